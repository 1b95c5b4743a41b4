// The dataset readers: IDX parsing and its rejections, gzip, Fashion-MNIST folders, JPEG/PNG decoding,
// resizing and cropping, and ImageFolder trees written by the test itself.
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ftc_datasets/dataset.h"
#include "ftc_datasets/idx.h"

// jpeglib.h needs FILE and size_t first.
#include <jpeglib.h>

namespace ftc_datasets {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> IdxBytes(std::vector<uint32_t> dims, const std::vector<uint8_t>& data, uint8_t type = 0x08) {
  std::vector<uint8_t> out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (const uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/ftc_datasets_test_XXXXXX";
    path_ = mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void WriteGzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void WritePng(const std::string& path, const Image& image, bool alpha = false) {
  fs::create_directories(fs::path(path).parent_path());
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = image.width;
  png.height = image.height;
  std::vector<uint8_t> pixels = image.pixels;
  if (alpha) {  // add an alpha channel of 7s, which a reader must drop, not composite
    pixels.clear();
    for (size_t i = 0; i < image.pixels.size(); i += image.channels) {
      pixels.insert(pixels.end(), image.pixels.begin() + i, image.pixels.begin() + i + image.channels);
      pixels.push_back(7);
    }
  }
  png.format = image.channels == 1 ? (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY) : (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB);
  ASSERT_TRUE(png_image_write_to_file(&png, path.c_str(), 0, pixels.data(), 0, nullptr)) << png.message;
}

void WriteJpeg(const std::string& path, const Image& image, int quality) {
  fs::create_directories(fs::path(path).parent_path());
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  jpeg_stdio_dest(&c, f);
  c.image_width = image.width;
  c.image_height = image.height;
  c.input_components = static_cast<int>(image.channels);
  c.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(&image.pixels[c.next_scanline * image.width * image.channels]);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::fclose(f);
}

Image Gradient(uint32_t width, uint32_t height, uint32_t channels) {
  Image image{width, height, channels, {}};
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x)
      for (uint32_t c = 0; c < channels; ++c) image.pixels.push_back(static_cast<uint8_t>((x * 7 + y * 3 + c * 50) & 255));
  return image;
}

TEST(Idx, ParsesDimensionsAndData) {
  const IdxArray a = ParseIdx(IdxBytes({2, 3}, {1, 2, 3, 4, 5, 6}), "t");
  EXPECT_EQ(a.dims, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Idx, RejectsMalformedHeaders) {
  std::vector<uint8_t> bad_magic = IdxBytes({1}, {9});
  bad_magic[1] = 1;
  EXPECT_THROW(ParseIdx(bad_magic, "t"), Error);
  EXPECT_THROW(ParseIdx(IdxBytes({1}, {0, 0, 0, 9}, 0x0d), "t"), Error);  // float elements
  EXPECT_THROW(ParseIdx(IdxBytes({}, {}), "t"), Error);                   // no dimensions
  EXPECT_THROW(ParseIdx(IdxBytes({1, 1, 1, 1, 1}, {9}), "t"), Error);     // 5 dimensions
  EXPECT_THROW(ParseIdx(IdxBytes({0, 3}, {}), "t"), Error);               // a zero dimension
  EXPECT_THROW(ParseIdx(std::vector<uint8_t>{0, 0, 8}, "t"), Error);      // shorter than the magic
  EXPECT_THROW(ParseIdx(std::vector<uint8_t>{0, 0, 8, 2, 0, 0, 0, 1}, "t"), Error);  // cut inside the dims
}

TEST(Idx, RejectsTruncatedAndTrailingData) {
  try {
    ParseIdx(IdxBytes({2, 3}, {1, 2, 3, 4, 5}), "short.idx");
    FAIL() << "a truncated file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("short.idx: truncated"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParseIdx(IdxBytes({2, 3}, {1, 2, 3, 4, 5, 6, 7}), "t"), Error);
  // Dimensions whose product overflows 64 bits are "truncated", not a wrapped small size.
  EXPECT_THROW(ParseIdx(IdxBytes({0xffffffffu, 0xffffffffu, 0xffffffffu, 2}, {1, 2}), "t"), Error);
}

TEST(Gzip, ReadsPlainAndGzippedFilesAndRejectsDamagedOnes) {
  TempDir dir;
  std::vector<uint8_t> content(100000);
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<uint8_t>(i * 31 % 251);
  WriteFile(dir.path() + "/plain", content);
  WriteGzip(dir.path() + "/packed.gz", content);
  EXPECT_EQ(ReadMaybeGzip(dir.path() + "/plain", 1 << 20), content);
  EXPECT_EQ(ReadMaybeGzip(dir.path() + "/packed.gz", 1 << 20), content);
  EXPECT_THROW(ReadMaybeGzip(dir.path() + "/packed.gz", 1000), Error);  // over the size limit
  std::vector<uint8_t> packed = ReadAll(dir.path() + "/packed.gz");
  WriteFile(dir.path() + "/cut.gz", {packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed.size() / 2)});
  EXPECT_THROW(ReadMaybeGzip(dir.path() + "/cut.gz", 1 << 20), Error);
  packed[packed.size() / 2] ^= 0xff;
  WriteFile(dir.path() + "/corrupt.gz", packed);
  EXPECT_THROW(ReadMaybeGzip(dir.path() + "/corrupt.gz", 1 << 20), Error);
  EXPECT_THROW(ReadMaybeGzip(dir.path() + "/missing", 1 << 20), Error);
}

TEST(FashionMnist, ReadsAnIdxPairPlainOrGzipped) {
  TempDir dir;
  std::vector<uint8_t> pixels(3 * 4 * 5);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i);
  WriteGzip(dir.path() + "/t10k-images-idx3-ubyte.gz", IdxBytes({3, 4, 5}, pixels));
  WriteFile(dir.path() + "/t10k-labels-idx1-ubyte", IdxBytes({3}, {7, 0, 9}));
  const auto ds = OpenDataset("fashion-mnist:" + dir.path(), {});
  ASSERT_EQ(ds->size(), 3u);
  EXPECT_EQ(ds->shape().channels, 1u);
  EXPECT_EQ(ds->shape().height, 4u);
  EXPECT_EQ(ds->shape().width, 5u);
  EXPECT_EQ(ds->classes().size(), 10u);
  std::vector<uint8_t> image(20);
  EXPECT_EQ(ds->Read(2, image.data()), 9);
  EXPECT_EQ(image, std::vector<uint8_t>(pixels.begin() + 40, pixels.end()));
}

TEST(FashionMnist, RejectsInconsistentPairs) {
  TempDir dir;
  WriteFile(dir.path() + "/t10k-images-idx3-ubyte", IdxBytes({2, 1, 1}, {1, 2}));
  WriteFile(dir.path() + "/t10k-labels-idx1-ubyte", IdxBytes({3}, {1, 2, 3}));
  EXPECT_THROW(OpenFashionMnist(dir.path()), Error);  // 2 images, 3 labels
  WriteFile(dir.path() + "/t10k-labels-idx1-ubyte", IdxBytes({2}, {1, 12}));
  EXPECT_THROW(OpenFashionMnist(dir.path()), Error);  // label 12 of 10 classes
  EXPECT_THROW(OpenFashionMnist(dir.path() + "/nowhere"), Error);
  EXPECT_THROW(OpenDataset("mnist", {}), Error);
}

TEST(FashionMnist, ReadsDebiansCopyWhenInstalled) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto ds = OpenDataset("fashion-mnist", {});
  EXPECT_EQ(ds->size(), 10000u);
  EXPECT_EQ(ds->shape().bytes(), 784u);
  std::vector<uint8_t> image(784);
  EXPECT_EQ(ds->Read(0, image.data()), 9);  // the first test image is an ankle boot
}

TEST(Image, DecodesPngAndJpegAndDropsAlpha) {
  TempDir dir;
  const Image rgb = Gradient(9, 6, 3);
  WritePng(dir.path() + "/a.png", rgb, /*alpha=*/true);
  const Image png = DecodeImage(ReadAll(dir.path() + "/a.png"), "a.png");
  EXPECT_EQ(png.channels, 3u);
  EXPECT_EQ(png.pixels, rgb.pixels);  // alpha dropped, colours untouched
  const Image grey = Gradient(16, 16, 1);
  WriteJpeg(dir.path() + "/g.jpg", grey, 100);
  const Image jpeg = DecodeImage(ReadAll(dir.path() + "/g.jpg"), "g.jpg");
  ASSERT_EQ(jpeg.channels, 1u);
  ASSERT_EQ(jpeg.pixels.size(), grey.pixels.size());
  for (size_t i = 0; i < grey.pixels.size(); ++i) EXPECT_NEAR(jpeg.pixels[i], grey.pixels[i], 3);
  std::vector<uint8_t> truncated = ReadAll(dir.path() + "/g.jpg");
  truncated.resize(truncated.size() / 2);
  EXPECT_THROW(DecodeImage(truncated, "cut.jpg"), Error);
  EXPECT_THROW(DecodeImage(std::vector<uint8_t>{'G', 'I', 'F', '8', '9', 'a'}, "x.gif"), Error);
}

TEST(Image, ConvertsChannels) {
  const Image rgb{1, 1, 3, {255, 0, 0}};
  EXPECT_EQ(ConvertChannels(rgb, 1).pixels[0], 76);  // PIL's L of pure red
  const Image grey{2, 1, 1, {10, 200}};
  EXPECT_EQ(ConvertChannels(grey, 3).pixels, (std::vector<uint8_t>{10, 10, 10, 200, 200, 200}));
}

TEST(Image, ResizesAndCropsLikeTorchvision) {
  const Image flat{40, 20, 1, std::vector<uint8_t>(800, 77)};
  for (const ResizeFilter f : {ResizeFilter::kBilinear, ResizeFilter::kArea}) {
    const Image r = ResizeShorterSide(flat, 10, f);
    EXPECT_EQ(r.width, 20u);
    EXPECT_EQ(r.height, 10u);
    for (const uint8_t p : r.pixels) EXPECT_EQ(p, 77);  // weights are normalised
  }
  // Halving with the box filter averages 2×2 blocks exactly.
  const Image checker{4, 2, 1, {0, 100, 10, 30, 200, 50, 50, 70}};
  EXPECT_EQ(Resize(checker, 2, 1, ResizeFilter::kArea).pixels, (std::vector<uint8_t>{88, 40}));
  // Centre crop: torchvision rounds (W - size) / 2 half to even and pads with zeros when smaller.
  const Image row{5, 1, 1, {1, 2, 3, 4, 5}};
  // left = round(1.5) = 2, top = round(-0.5) = 0: row 0 is x = 2, 3; row 1 lies below the image.
  EXPECT_EQ(CenterCrop(row, 2).pixels, (std::vector<uint8_t>{3, 4, 0, 0}));
  const Image tall{1, 3, 1, {1, 2, 3}};
  EXPECT_EQ(CenterCrop(tall, 1).pixels, (std::vector<uint8_t>{2}));
}

TEST(ImageFolder, ReadsClassesInSortedOrderWithResizeAndCrop) {
  TempDir dir;
  WritePng(dir.path() + "/b_dog/1.png", Gradient(40, 30, 3));
  WriteJpeg(dir.path() + "/a_cat/x/2.JPG", Gradient(30, 40, 3), 95);  // nested, upper-case extension
  WritePng(dir.path() + "/a_cat/1.png", Gradient(64, 64, 1));          // grey, replicated to RGB
  WriteFile(dir.path() + "/a_cat/notes.txt", {'h', 'i'});              // ignored
  fs::create_directories(dir.path() + "/c_empty");                     // no images: not a class
  ImageFolderOptions o;
  o.resize = 24;
  o.crop = 16;
  const auto ds = OpenDataset("imagefolder:" + dir.path(), o);
  ASSERT_EQ(ds->size(), 3u);
  EXPECT_EQ(ds->classes(), (std::vector<std::string>{"a_cat", "b_dog"}));
  EXPECT_EQ(ds->shape().channels, 3u);
  EXPECT_EQ(ds->shape().height, 16u);
  std::vector<uint8_t> image(ds->shape().bytes());
  EXPECT_EQ(ds->Read(0, image.data()), 0);  // a_cat/1.png sorts before a_cat/x/2.JPG
  EXPECT_EQ(std::vector<uint8_t>(image.begin(), image.begin() + 256),
            std::vector<uint8_t>(image.begin() + 256, image.begin() + 512));  // grey: R == G
  EXPECT_EQ(ds->Read(1, image.data()), 0);
  EXPECT_EQ(ds->Read(2, image.data()), 1);
}

TEST(ImageFolder, WithoutCropEveryImageMustMatchTheFirst) {
  TempDir dir;
  WritePng(dir.path() + "/a/1.png", Gradient(8, 8, 1));
  WritePng(dir.path() + "/a/2.png", Gradient(9, 8, 1));
  ImageFolderOptions o;
  o.resize = 0;
  o.crop = 0;
  o.channels = 1;
  const auto ds = OpenDataset("imagefolder:" + dir.path(), o);
  std::vector<uint8_t> image(ds->shape().bytes());
  EXPECT_EQ(ds->Read(0, image.data()), 0);
  EXPECT_EQ(image, Gradient(8, 8, 1).pixels);
  EXPECT_THROW(ds->Read(1, image.data()), Error);
}

TEST(ImageFolder, RejectsMissingOrEmptyFoldersAndBadImages) {
  TempDir dir;
  EXPECT_THROW(OpenDataset("imagefolder:" + dir.path() + "/none", {}), Error);
  EXPECT_THROW(OpenDataset("imagefolder:" + dir.path(), {}), Error);  // no classes
  WriteFile(dir.path() + "/a/broken.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
  const auto ds = OpenDataset("imagefolder:" + dir.path(), {});
  std::vector<uint8_t> image(ds->shape().bytes());
  EXPECT_THROW(ds->Read(0, image.data()), Error);
}

}  // namespace
}  // namespace ftc_datasets
