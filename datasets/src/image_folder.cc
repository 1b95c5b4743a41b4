// An ImageFolder tree (torchvision's layout): DIR/<class>/**/<image>.{jpg,jpeg,png}.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ftc_datasets/dataset.h"
#include "ftc_datasets/idx.h"

namespace ftc_datasets {
namespace {

namespace fs = std::filesystem;

// A larger file is not an image a dataset would hold; refusing it keeps a stray file from eating memory.
constexpr uint64_t kMaxImageFileBytes = uint64_t{256} << 20;

bool IsImageFile(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

class ImageFolder : public Dataset {
 public:
  ImageFolder(const std::string& dir, const ImageFolderOptions& options) : dir_(dir), options_(options) {
    if (options.channels != 1 && options.channels != 3)
      throw Error("ImageFolder images have 1 or 3 channels, not " + std::to_string(options.channels));
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error(dir + ": not a directory");
    std::vector<fs::path> class_dirs;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
      if (e.is_directory()) class_dirs.push_back(e.path());
    if (ec) throw Error(dir + ": cannot list: " + ec.message());
    std::sort(class_dirs.begin(), class_dirs.end());
    for (const fs::path& class_dir : class_dirs) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(class_dir, fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && IsImageFile(it->path())) files.push_back(it->path());
      if (ec) throw Error(class_dir.string() + ": cannot list: " + ec.message());
      if (files.empty()) continue;  // torchvision skips classes without images too
      std::sort(files.begin(), files.end());
      const int label = static_cast<int>(classes_.size());
      classes_.push_back(class_dir.filename().string());
      for (fs::path& f : files) samples_.push_back({std::move(f), label});
    }
    if (samples_.empty()) throw Error(dir + ": no class folder with .jpg, .jpeg or .png files");
    if (options.crop > 0) {
      shape_ = {options.channels, options.crop, options.crop};
    } else {
      // Every image must have the first one's size, which the first image tells.
      const Image first = Prepare(samples_[0].path);
      shape_ = {options.channels, first.height, first.width};
    }
  }

  std::string description() const override {
    std::string text = "ImageFolder " + dir_ + ", " + std::to_string(size()) + " images in " +
                       std::to_string(classes_.size()) + " classes, " +
                       (options_.channels == 1 ? "grey" : "RGB");
    if (options_.resize) text += ", shorter side resized to " + std::to_string(options_.resize);
    if (options_.crop) text += ", centre crop " + std::to_string(options_.crop);
    return text;
  }
  size_t size() const override { return samples_.size(); }
  ImageShape shape() const override { return shape_; }
  const std::vector<std::string>& classes() const override { return classes_; }

  int Read(size_t index, uint8_t* pixels) const override {
    const Sample& s = samples_[index];
    const Image image = Prepare(s.path);
    if (image.width != shape_.width || image.height != shape_.height)
      throw Error(s.path.string() + ": " + std::to_string(image.width) + "×" + std::to_string(image.height) +
                  " pixels, but the first image has " + std::to_string(shape_.width) + "×" +
                  std::to_string(shape_.height) + " (give a crop size)");
    ToPlanar(image, pixels);
    return s.label;
  }

 private:
  struct Sample {
    fs::path path;
    int label;
  };

  Image Prepare(const fs::path& path) const {
    std::vector<uint8_t> file = ReadWhole(path);
    Image image = ConvertChannels(DecodeImage(file, path.string()), options_.channels);
    if (options_.resize) image = ResizeShorterSide(image, options_.resize, options_.filter);
    if (options_.crop) image = CenterCrop(image, options_.crop);
    return image;
  }

  static std::vector<uint8_t> ReadWhole(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open");
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0 || static_cast<uint64_t>(size) > kMaxImageFileBytes)
      throw Error(path.string() + ": not a readable image file of at most " + std::to_string(kMaxImageFileBytes) + " bytes");
    in.seekg(0);
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw Error(path.string() + ": read error");
    return bytes;
  }

  std::string dir_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_;
  std::vector<Sample> samples_;
  ImageShape shape_;
};

}  // namespace

std::unique_ptr<Dataset> OpenImageFolder(const std::string& dir, const ImageFolderOptions& options) {
  return std::make_unique<ImageFolder>(dir, options);
}

}  // namespace ftc_datasets
