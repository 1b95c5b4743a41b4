#include "ftc_datasets/idx.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "ftc_datasets/dataset.h"

namespace ftc_datasets {
namespace {

uint32_t BigEndian32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

std::vector<uint8_t> ReadFile(const std::string& path, uint64_t max_bytes) {
  struct Close {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<FILE, Close> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f.get())) > 0) {
    if (bytes.size() + n > max_bytes) throw Error(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  if (std::ferror(f.get())) throw Error(path + ": read error: " + std::strerror(errno));
  return bytes;
}

std::vector<uint8_t> Gunzip(const std::vector<uint8_t>& in, const std::string& path, uint64_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw Error(path + ": cannot start zlib");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  std::vector<uint8_t> out;
  uint8_t chunk[1 << 16];
  for (;;) {
    z.next_out = chunk;
    z.avail_out = sizeof(chunk);
    const int r = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof(chunk) - z.avail_out;
    if (out.size() + produced > max_bytes)
      throw Error(path + ": decompresses to more than " + std::to_string(max_bytes) + " bytes");
    out.insert(out.end(), chunk, chunk + produced);
    if (r == Z_STREAM_END) break;
    if (r == Z_BUF_ERROR && z.avail_in == 0) throw Error(path + ": truncated gzip stream");
    if (r != Z_OK) throw Error(path + ": corrupt gzip stream" + (z.msg ? std::string(": ") + z.msg : ""));
  }
  if (z.avail_in != 0) throw Error(path + ": data after the end of the gzip stream");
  return out;
}

}  // namespace

std::vector<uint8_t> ReadMaybeGzip(const std::string& path, uint64_t max_bytes) {
  std::vector<uint8_t> bytes = ReadFile(path, max_bytes);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return Gunzip(bytes, path, max_bytes);
  return bytes;
}

IdxArray ParseIdx(std::span<const uint8_t> file, const std::string& name) {
  if (file.size() < 4) throw Error(name + ": too short for an IDX header");
  if (file[0] != 0 || file[1] != 0) throw Error(name + ": not an IDX file (bad magic)");
  if (file[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof(type), "0x%02x", file[2]);
    throw Error(name + ": IDX element type " + type + " is not supported (only unsigned bytes, 0x08)");
  }
  const uint32_t rank = file[3];
  if (rank == 0 || rank > 4) throw Error(name + ": IDX file with " + std::to_string(rank) + " dimensions");
  const size_t header = 4 + 4 * size_t{rank};
  if (file.size() < header) throw Error(name + ": truncated IDX header");
  IdxArray a;
  const uint64_t have = file.size() - header;
  uint64_t elements = 1;
  for (uint32_t i = 0; i < rank; ++i) {
    const uint32_t d = BigEndian32(&file[4 + 4 * i]);
    if (d == 0) throw Error(name + ": IDX dimension " + std::to_string(i) + " is zero");
    if (d > have / elements)  // checked before multiplying, so the product never overflows
      throw Error(name + ": truncated: the header promises more data than the " + std::to_string(have) +
                  " bytes present");
    elements *= d;
    a.dims.push_back(d);
  }
  if (elements < have)
    throw Error(name + ": " + std::to_string(have - elements) + " bytes after the data the header describes");
  a.data.assign(file.begin() + static_cast<std::ptrdiff_t>(header), file.end());
  return a;
}

}  // namespace ftc_datasets
