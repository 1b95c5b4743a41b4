// Datasets for the inference harness: labelled images as a model's input sees them. Nothing is downloaded;
// every reader works on local files. No LibTorch here, so the readers build and test on their own.
//
// An image is C×H×W bytes, planar (all of channel 0, then channel 1, ...), row-major: the model's input is
// these bytes divided by 255, as float32 N×C×H×W.
#ifndef FTC_DATASETS_DATASET_H
#define FTC_DATASETS_DATASET_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ftc_datasets/image.h"

namespace ftc_datasets {

// Every reader reports unreadable, malformed or inconsistent input with this, naming the file.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImageShape {
  uint32_t channels = 0, height = 0, width = 0;
  size_t bytes() const { return static_cast<size_t>(channels) * height * width; }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  // One line for reports: "Fashion-MNIST test split (/usr/share/datasets/fashion-mnist), 10000 images".
  virtual std::string description() const = 0;
  virtual size_t size() const = 0;
  virtual ImageShape shape() const = 0;
  virtual const std::vector<std::string>& classes() const = 0;
  // Writes image `index` (< size()) into `pixels` (shape().bytes() bytes) and returns its label, in
  // [0, classes().size()). Safe to call from several threads at once. Throws Error.
  virtual int Read(size_t index, uint8_t* pixels) const = 0;
};

// Where Debian's dataset-fashion-mnist package puts the IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Fashion-MNIST (or any MNIST-layout IDX pair) from `dir`: split "t10k" (test) or "train" reads
// <split>-images-idx3-ubyte and <split>-labels-idx1-ubyte, each plain or with .gz appended.
std::unique_ptr<Dataset> OpenFashionMnist(const std::string& dir = kFashionMnistDir,
                                          const std::string& split = "t10k");

struct ImageFolderOptions {
  uint32_t resize = 256;  // shorter side scaled to this many pixels, aspect kept; 0: no resize
  uint32_t crop = 224;    // centre crop to crop × crop (zero-padded when smaller); 0: no crop
  uint32_t channels = 3;  // 3: RGB (grey images replicated); 1: luma (ITU-R 601, as PIL's "L")
  ResizeFilter filter = ResizeFilter::kBilinear;
};

// A folder with one sub-folder per class (classes in sorted order of their names, as torchvision's
// ImageFolder numbers them) holding JPEG or PNG files, found recursively and taken in sorted path order.
// Images are decoded when read. Without resize and crop every image must have the same size.
std::unique_ptr<Dataset> OpenImageFolder(const std::string& dir, const ImageFolderOptions& options);

// "fashion-mnist" (Debian's copy), "fashion-mnist:DIR", "imagefolder:DIR". Throws Error.
std::unique_ptr<Dataset> OpenDataset(const std::string& spec, const ImageFolderOptions& options);

// What OpenDataset accepts, for --help texts.
inline constexpr const char* kDatasetSpecHelp = "fashion-mnist, fashion-mnist:DIR or imagefolder:DIR";

}  // namespace ftc_datasets

#endif  // FTC_DATASETS_DATASET_H
