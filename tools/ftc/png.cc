#include "png.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <new>

namespace ftc_cli {
namespace {

// libpng reports errors by longjmp to the setjmp in WriteRows; nothing between them owns resources.
struct Sink {
  std::vector<uint8_t>* out;
  char message[256];
};

void OnError(png_structp png, png_const_charp message) {
  Sink* sink = static_cast<Sink*>(png_get_error_ptr(png));
  snprintf(sink->message, sizeof(sink->message), "%s", message);
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

void OnWrite(png_structp png, png_bytep data, png_size_t size) {
  Sink* sink = static_cast<Sink*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    sink->out->insert(sink->out->end(), data, data + size);
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  if (!ok) png_error(png, "out of memory");
}

void OnFlush(png_structp) {}

// Only plain data lives in this frame, so the longjmp of an error skips no destructor.
bool WriteRows(png_structp png, png_infop info, const uint8_t* pixels, uint32_t width, uint32_t height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (uint32_t y = 0; y < height; ++y) png_write_row(png, pixels + static_cast<size_t>(y) * width);
  png_write_end(png, info);
  return true;
}

}  // namespace

bool EncodeGreyPng(const uint8_t* pixels, uint32_t width, uint32_t height, std::vector<uint8_t>* out,
                   std::string* error) {
  Sink sink{out, "libpng failed"};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, OnError, OnWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_write_struct(&png, &info);
    *error = "libpng: out of memory";
    return false;
  }
  png_set_write_fn(png, &sink, OnWrite, OnFlush);
  out->clear();
  const bool ok = WriteRows(png, info, pixels, width, height);
  png_destroy_write_struct(&png, &info);
  if (!ok) *error = std::string("libpng: ") + sink.message;
  return ok;
}

std::string PngLibraryVersion() {
  return std::string("libpng ") + png_get_libpng_ver(nullptr);
}

}  // namespace ftc_cli
