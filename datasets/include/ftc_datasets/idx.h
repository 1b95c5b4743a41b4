// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
// (0, 0, element type, number of dimensions), the dimensions as big-endian uint32, then the elements.
// Only unsigned bytes (type 0x08) are supported, which is what the image and label files hold.
#ifndef FTC_DATASETS_IDX_H
#define FTC_DATASETS_IDX_H

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ftc_datasets {

struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data;  // product of dims bytes
};

// Parses an IDX file held in memory. Rejects a bad magic, another element type, 0 or more than 4
// dimensions, a zero dimension, and data that is shorter or longer than the dimensions say. Throws Error,
// whose message starts with `name`.
IdxArray ParseIdx(std::span<const uint8_t> file, const std::string& name);

// Reads a whole file, gunzipping it when it starts with the gzip signature; a truncated or corrupt gzip
// stream is an error, as is more than `max_bytes` of content. Throws Error.
std::vector<uint8_t> ReadMaybeGzip(const std::string& path, uint64_t max_bytes);

}  // namespace ftc_datasets

#endif  // FTC_DATASETS_IDX_H
