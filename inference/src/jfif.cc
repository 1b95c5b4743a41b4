#include "jfif.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "harness_error.h"

namespace ftc_inference {

void JfifCodec::OnError(j_common_ptr cinfo) {
  ErrorManager* e = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

JfifCodec::JfifCodec() {
  compress_.err = jpeg_std_error(&error_.mgr);
  error_.mgr.error_exit = OnError;
  decompress_.err = &error_.mgr;
  jpeg_create_compress(&compress_);
  jpeg_create_decompress(&decompress_);
}

JfifCodec::~JfifCodec() {
  jpeg_destroy_compress(&compress_);
  jpeg_destroy_decompress(&decompress_);
}

// Only plain data lives in the frames of EncodeRows and DecodeRows, so the longjmp of an error skips no
// destructor.
bool JfifCodec::EncodeRows(const uint8_t* interleaved, uint32_t channels, uint32_t height, uint32_t width, int quality,
                           unsigned char** out, unsigned long* size) {
  if (setjmp(error_.jump)) {
    jpeg_abort_compress(&compress_);
    return false;
  }
  jpeg_mem_dest(&compress_, out, size);
  compress_.image_width = width;
  compress_.image_height = height;
  compress_.input_components = static_cast<int>(channels);
  compress_.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&compress_);  // baseline, standard Huffman tables, 4:2:0 chroma, JFIF marker
  jpeg_set_quality(&compress_, quality, TRUE);
  compress_.dct_method = JDCT_ISLOW;
  jpeg_start_compress(&compress_, TRUE);
  const size_t stride = static_cast<size_t>(width) * channels;
  while (compress_.next_scanline < height) {
    JSAMPROW row = const_cast<uint8_t*>(interleaved + compress_.next_scanline * stride);
    jpeg_write_scanlines(&compress_, &row, 1);
  }
  jpeg_finish_compress(&compress_);
  return true;
}

bool JfifCodec::DecodeRows(const std::vector<uint8_t>& file, uint32_t channels, uint32_t height, uint32_t width,
                           uint8_t* interleaved) {
  if (setjmp(error_.jump)) {
    jpeg_abort_decompress(&decompress_);
    return false;
  }
  jpeg_mem_src(&decompress_, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_read_header(&decompress_, TRUE);
  decompress_.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  decompress_.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&decompress_);
  if (decompress_.output_width != width || decompress_.output_height != height ||
      decompress_.output_components != static_cast<int>(channels)) {
    jpeg_abort_decompress(&decompress_);
    std::strcpy(error_.message, "unexpected image size");
    return false;
  }
  const size_t stride = static_cast<size_t>(width) * channels;
  while (decompress_.output_scanline < height) {
    JSAMPROW row = interleaved + decompress_.output_scanline * stride;
    jpeg_read_scanlines(&decompress_, &row, 1);
  }
  jpeg_finish_decompress(&decompress_);
  return true;
}

std::vector<uint8_t> JfifCodec::Encode(const uint8_t* planar, uint32_t channels, uint32_t height, uint32_t width,
                                       int quality) {
  const size_t n = static_cast<size_t>(height) * width;
  const uint8_t* interleaved = planar;
  if (channels > 1) {
    scratch_.resize(n * channels);
    for (size_t i = 0; i < n; ++i)
      for (uint32_t c = 0; c < channels; ++c) scratch_[i * channels + c] = planar[c * n + i];
    interleaved = scratch_.data();
  }
  unsigned char* out = nullptr;
  unsigned long size = 0;
  const bool ok = EncodeRows(interleaved, channels, height, width, quality, &out, &size);
  std::vector<uint8_t> file;
  if (ok) file.assign(out, out + size);
  std::free(out);
  if (!ok) throw HarnessError(Problem::kIo, std::string("libjpeg cannot encode the image: ") + error_.message);
  return file;
}

void JfifCodec::Decode(const std::vector<uint8_t>& file, uint32_t channels, uint32_t height, uint32_t width,
                       uint8_t* planar) {
  const size_t n = static_cast<size_t>(height) * width;
  uint8_t* interleaved = planar;
  if (channels > 1) {
    scratch_.resize(n * channels);
    interleaved = scratch_.data();
  }
  if (!DecodeRows(file, channels, height, width, interleaved))
    throw HarnessError(Problem::kIo, std::string("libjpeg cannot decode its own file: ") + error_.message);
  if (channels > 1)
    for (size_t i = 0; i < n; ++i)
      for (uint32_t c = 0; c < channels; ++c) planar[c * n + i] = scratch_[i * channels + c];
}

}  // namespace ftc_inference
