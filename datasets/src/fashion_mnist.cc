// Fashion-MNIST (and MNIST, which has the same layout) from its IDX files.
#include <sys/stat.h>

#include <cstring>

#include "ftc_datasets/dataset.h"
#include "ftc_datasets/idx.h"

namespace ftc_datasets {
namespace {

// Far above the 47 MB of the largest Fashion-MNIST file, far below what would exhaust memory.
constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 30;

const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The file `name` in `dir`, plain or gzipped.
std::string Find(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {dir + "/" + name, dir + "/" + name + ".gz"})
    if (IsFile(candidate)) return candidate;
  throw Error(dir + ": no " + name + " or " + name + ".gz (Debian's dataset-fashion-mnist package installs them in " +
              kFashionMnistDir + ")");
}

class IdxDataset : public Dataset {
 public:
  IdxDataset(const std::string& dir, const std::string& split) : dir_(dir), split_(split) {
    const std::string images_path = Find(dir, split + "-images-idx3-ubyte");
    const std::string labels_path = Find(dir, split + "-labels-idx1-ubyte");
    IdxArray images = ParseIdx(ReadMaybeGzip(images_path, kMaxIdxBytes), images_path);
    IdxArray labels = ParseIdx(ReadMaybeGzip(labels_path, kMaxIdxBytes), labels_path);
    if (images.dims.size() != 3) throw Error(images_path + ": expected N×H×W images (3 dimensions)");
    if (labels.dims.size() != 1) throw Error(labels_path + ": expected N labels (1 dimension)");
    if (images.dims[0] != labels.dims[0])
      throw Error(images_path + ": " + std::to_string(images.dims[0]) + " images but " + labels_path + " has " +
                  std::to_string(labels.dims[0]) + " labels");
    for (const uint8_t label : labels.data)
      if (label >= kFashionClasses.size())
        throw Error(labels_path + ": label " + std::to_string(label) + " is not a class (0..9)");
    shape_ = {1, images.dims[1], images.dims[2]};
    pixels_ = std::move(images.data);
    labels_ = std::move(labels.data);
  }

  std::string description() const override {
    return std::string(split_ == "t10k" ? "Fashion-MNIST test split" : "Fashion-MNIST " + split_ + " split") +
           " (" + dir_ + "), " + std::to_string(size()) + " images";
  }
  size_t size() const override { return labels_.size(); }
  ImageShape shape() const override { return shape_; }
  const std::vector<std::string>& classes() const override { return kFashionClasses; }
  int Read(size_t index, uint8_t* pixels) const override {
    const size_t n = shape_.bytes();
    std::memcpy(pixels, pixels_.data() + index * n, n);
    return labels_[index];
  }

 private:
  std::string dir_, split_;
  ImageShape shape_;
  std::vector<uint8_t> pixels_, labels_;
};

}  // namespace

std::unique_ptr<Dataset> OpenFashionMnist(const std::string& dir, const std::string& split) {
  if (split != "t10k" && split != "train") throw Error("unknown Fashion-MNIST split '" + split + "' (t10k or train)");
  return std::make_unique<IdxDataset>(dir, split);
}

}  // namespace ftc_datasets
