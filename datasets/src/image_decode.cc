// JPEG (libjpeg-turbo) and PNG (libpng's simplified API) decoding to 8-bit grey or RGB.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "ftc_datasets/dataset.h"
#include "ftc_datasets/image.h"

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace ftc_datasets {
namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnJpegError(j_common_ptr cinfo) {
  JpegError* e = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

// A file that ends early is an error (PIL refuses truncated images too); other warnings, such as
// extraneous bytes before a marker, are harmless and ignored, as PIL ignores them.
void OnJpegMessage(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) OnJpegError(cinfo);
}

// Only plain data lives in this frame, so the longjmp of an error skips no destructor: the caller owns the
// output buffer and sizes it from the header read here, between the two calls.
bool JpegDecode(jpeg_decompress_struct* d, JpegError* err, std::span<const uint8_t> file, Image* out,
                bool* cmyk) {
  if (setjmp(err->jump)) return false;
  jpeg_create_decompress(d);
  jpeg_mem_src(d, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_read_header(d, TRUE);
  *cmyk = d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK;
  d->out_color_space = *cmyk ? JCS_CMYK : d->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  d->dct_method = JDCT_ISLOW;
  jpeg_start_decompress(d);
  out->width = d->output_width;
  out->height = d->output_height;
  out->channels = static_cast<uint32_t>(d->output_components);
  return true;
}

bool JpegReadRows(jpeg_decompress_struct* d, JpegError* err, uint8_t* pixels) {
  if (setjmp(err->jump)) return false;
  const size_t stride = static_cast<size_t>(d->output_width) * d->output_components;
  while (d->output_scanline < d->output_height) {
    JSAMPROW row = pixels + d->output_scanline * stride;
    jpeg_read_scanlines(d, &row, 1);
  }
  jpeg_finish_decompress(d);
  return true;
}

// The largest image accepted: 2^28 pixels (16384 × 16384), far beyond any dataset image, and a guard
// against a header that would make us allocate gigabytes.
constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

void CheckSize(uint64_t width, uint64_t height, const std::string& name) {
  if (width == 0 || height == 0 || width * height > kMaxPixels)
    throw Error(name + ": image of " + std::to_string(width) + "×" + std::to_string(height) + " pixels is not supported");
}

Image DecodeJpeg(std::span<const uint8_t> file, const std::string& name) {
  jpeg_decompress_struct d{};
  JpegError err{};
  d.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = OnJpegError;
  err.mgr.emit_message = OnJpegMessage;
  struct Destroy {
    jpeg_decompress_struct* d;
    ~Destroy() { jpeg_destroy_decompress(d); }
  } destroy{&d};
  Image image;
  bool cmyk = false;
  if (!JpegDecode(&d, &err, file, &image, &cmyk)) throw Error(name + ": bad JPEG: " + err.message);
  CheckSize(image.width, image.height, name);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * image.channels);
  if (!JpegReadRows(&d, &err, image.pixels.data())) throw Error(name + ": bad JPEG: " + err.message);
  if (!cmyk) return image;
  // Adobe's CMYK JPEGs store inverted ink values; libjpeg hands them over as they are (PIL does the same
  // conversion): R = C·K / 255 on the inverted values.
  Image rgb{image.width, image.height, 3, {}};
  rgb.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  for (size_t i = 0, n = static_cast<size_t>(image.width) * image.height; i < n; ++i) {
    const uint32_t k = image.pixels[4 * i + 3];
    for (int c = 0; c < 3; ++c) rgb.pixels[3 * i + c] = static_cast<uint8_t>((image.pixels[4 * i + c] * k + 127) / 255);
  }
  return rgb;
}

Image DecodePng(std::span<const uint8_t> file, const std::string& name) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, file.data(), file.size()))
    throw Error(name + ": bad PNG: " + png.message);
  struct Free {
    png_image* p;
    ~Free() { png_image_free(p); }
  } free_png{&png};
  // Read with alpha, if any, and drop it afterwards: that keeps the colour values as they are stored,
  // where letting libpng remove it would composite onto a background.
  const bool grey = !(png.format & PNG_FORMAT_FLAG_COLOR);
  const bool alpha = png.format & PNG_FORMAT_FLAG_ALPHA;
  png.format = grey ? (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY) : (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB);
  CheckSize(png.width, png.height, name);
  std::vector<uint8_t> buffer(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, buffer.data(), 0, nullptr))
    throw Error(name + ": bad PNG: " + png.message);
  Image image{png.width, png.height, grey ? 1u : 3u, {}};
  if (!alpha) {
    image.pixels = std::move(buffer);
    return image;
  }
  const uint32_t in_channels = image.channels + 1;
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * image.channels);
  for (size_t i = 0, n = static_cast<size_t>(image.width) * image.height; i < n; ++i)
    std::memcpy(&image.pixels[i * image.channels], &buffer[i * in_channels], image.channels);
  return image;
}

}  // namespace

Image DecodeImage(std::span<const uint8_t> file, const std::string& name) {
  static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (file.size() >= 3 && file[0] == 0xff && file[1] == 0xd8 && file[2] == 0xff) return DecodeJpeg(file, name);
  if (file.size() >= 8 && std::memcmp(file.data(), kPng, 8) == 0) return DecodePng(file, name);
  throw Error(name + ": neither a JPEG nor a PNG file");
}

}  // namespace ftc_datasets
