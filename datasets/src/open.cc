#include "ftc_datasets/dataset.h"

namespace ftc_datasets {

std::unique_ptr<Dataset> OpenDataset(const std::string& spec, const ImageFolderOptions& options) {
  if (spec == "fashion-mnist") return OpenFashionMnist();
  if (spec.rfind("fashion-mnist:", 0) == 0) return OpenFashionMnist(spec.substr(14));
  if (spec.rfind("imagefolder:", 0) == 0) return OpenImageFolder(spec.substr(12), options);
  throw Error("unknown dataset '" + spec + "': expected " + kDatasetSpecHelp);
}

}  // namespace ftc_datasets
