// Standard JPEG files (JFIF, libjpeg's defaults: baseline, standard Huffman tables, 4:2:0 chroma for
// colour) for the two baselines: the input image sent as JPEG, and the seed design's feature mosaic.
// These are what a peer would send, headers included; ftc's own jpeg backend is something else
// (docs/JPEG.md).
#ifndef FTC_INFERENCE_JFIF_H
#define FTC_INFERENCE_JFIF_H

#include <csetjmp>
#include <cstdint>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <vector>

#include <jpeglib.h>

namespace ftc_inference {

class JfifCodec {
 public:
  JfifCodec();
  ~JfifCodec();
  JfifCodec(const JfifCodec&) = delete;
  JfifCodec& operator=(const JfifCodec&) = delete;

  // A planar C×H×W image (C = 1: greyscale; C = 3: RGB) as a JFIF file at `quality` (1..100).
  std::vector<uint8_t> Encode(const uint8_t* planar, uint32_t channels, uint32_t height, uint32_t width, int quality);
  // The inverse: decodes `file` into planar C×H×W, which must be the file's size and channel count.
  void Decode(const std::vector<uint8_t>& file, uint32_t channels, uint32_t height, uint32_t width, uint8_t* planar);

 private:
  struct ErrorManager {
    jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
  };
  static void OnError(j_common_ptr cinfo);
  bool EncodeRows(const uint8_t* interleaved, uint32_t channels, uint32_t height, uint32_t width, int quality,
                  unsigned char** out, unsigned long* size);
  bool DecodeRows(const std::vector<uint8_t>& file, uint32_t channels, uint32_t height, uint32_t width,
                  uint8_t* interleaved);

  ErrorManager error_{};
  jpeg_compress_struct compress_{};
  jpeg_decompress_struct decompress_{};
  std::vector<uint8_t> scratch_;
};

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_JFIF_H
