// ftc — the C++ API: a thin, header-only RAII layer over the C API in ftc.h (one implementation).
//
// Errors are reported as ftc::Error exceptions carrying the ftc_result and the library's message. Everything
// here is inline, so it never crosses the C boundary with an exception.
#ifndef FTC_FTC_HPP
#define FTC_FTC_HPP

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ftc/ftc.h"

namespace ftc {

class Error : public std::runtime_error {
 public:
  Error(ftc_result code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ftc_result code() const { return code_; }

 private:
  ftc_result code_;
};

namespace detail {
// Call only after the operation has returned: the message is read from the handle afterwards.
inline void Check(ftc_result r, const char* message) {
  if (r != FTC_OK) throw Error(r, message && *message ? message : ftc_result_to_string(r));
}
}  // namespace detail

// A byte buffer returned by the library.
class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(ftc_buffer b) : b_(b) {}
  Bytes(Bytes&& o) noexcept : b_(std::exchange(o.b_, {})) {}
  Bytes& operator=(Bytes&& o) noexcept {
    if (this != &o) {
      ftc_buffer_free(&b_);
      b_ = std::exchange(o.b_, {});
    }
    return *this;
  }
  ~Bytes() { ftc_buffer_free(&b_); }

  const uint8_t* data() const { return b_.data; }
  size_t size() const { return b_.size; }
  std::span<const uint8_t> span() const { return {b_.data, b_.size}; }

 private:
  ftc_buffer b_{};
};

// A tensor returned by the decoder (owns its data).
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(ftc_tensor t) : t_(t) {}
  Tensor(Tensor&& o) noexcept : t_(std::exchange(o.t_, {})) {}
  Tensor& operator=(Tensor&& o) noexcept {
    if (this != &o) {
      ftc_tensor_free(&t_);
      t_ = std::exchange(o.t_, {});
    }
    return *this;
  }
  ~Tensor() { ftc_tensor_free(&t_); }

  const ftc_tensor& raw() const { return t_; }
  ftc_dtype dtype() const { return t_.dtype; }
  std::vector<uint64_t> shape() const { return {t_.shape, t_.shape + t_.rank}; }
  uint64_t elements() const {
    uint64_t n = 1;
    for (uint32_t i = 0; i < t_.rank; ++i) n *= t_.shape[i];
    return n;
  }
  const void* data() const { return t_.data; }
  size_t bytes() const { return elements() * ftc_dtype_size(t_.dtype); }
  // Hands the tensor over, leaving this one empty: the caller frees it with ftc_tensor_free (bindings give
  // the memory to an array of their language without copying it).
  ftc_tensor Release() { return std::exchange(t_, {}); }

 private:
  ftc_tensor t_{};
};

// An 8-bit mosaic plane returned by the library.
class Plane {
 public:
  Plane() = default;
  explicit Plane(ftc_plane p) : p_(p) {}
  Plane(Plane&& o) noexcept : p_(std::exchange(o.p_, {})) {}
  Plane& operator=(Plane&& o) noexcept {
    if (this != &o) {
      ftc_plane_free(&p_);
      p_ = std::exchange(o.p_, {});
    }
    return *this;
  }
  ~Plane() { ftc_plane_free(&p_); }

  const uint8_t* data() const { return p_.data; }
  uint32_t width() const { return p_.width; }
  uint32_t height() const { return p_.height; }

 private:
  ftc_plane p_{};
};

// Describes borrowed input memory as an ftc_tensor (rank 3 or 4).
inline ftc_tensor View(const void* data, ftc_dtype dtype, std::span<const uint64_t> shape) {
  ftc_tensor t{};
  t.dtype = dtype;
  t.rank = static_cast<uint32_t>(shape.size());
  for (size_t i = 0; i < shape.size() && i < 4; ++i) t.shape[i] = shape[i];
  t.data = const_cast<void*>(data);
  return t;
}

inline ftc_encoder_settings DefaultEncoderSettings() {
  ftc_encoder_settings s;
  ftc_encoder_default_settings(&s);
  return s;
}

class Encoder {
 public:
  explicit Encoder(const ftc_encoder_settings& settings = DefaultEncoderSettings()) {
    ftc_encoder* e = nullptr;
    const char* message = nullptr;
    const ftc_result r = ftc_encoder_create(&settings, &e, &message);
    detail::Check(r, message);
    e_.reset(e);
  }

  Bytes Encode(const ftc_tensor& tensor) {
    ftc_buffer out{};
    const ftc_result r = ftc_encode(e_.get(), &tensor, &out);
    detail::Check(r, ftc_encoder_last_error(e_.get()));
    return Bytes(out);
  }
  Plane Mosaic(const ftc_tensor& tensor, uint64_t index = 0) {
    ftc_plane out{};
    const ftc_result r = ftc_encoder_mosaic(e_.get(), &tensor, index, &out);
    detail::Check(r, ftc_encoder_last_error(e_.get()));
    return Plane(out);
  }
  ftc_encoder* get() const { return e_.get(); }

 private:
  struct Destroy {
    void operator()(ftc_encoder* e) const { ftc_encoder_destroy(e); }
  };
  std::unique_ptr<ftc_encoder, Destroy> e_;
};

class Decoder {
 public:
  explicit Decoder(const ftc_decoder_settings* settings = nullptr) {
    ftc_decoder* d = nullptr;
    const char* message = nullptr;
    const ftc_result r = ftc_decoder_create(settings, &d, &message);
    detail::Check(r, message);
    d_.reset(d);
  }

  Tensor Decode(std::span<const uint8_t> data) {
    ftc_tensor out{};
    const ftc_result r = ftc_decode(d_.get(), data.data(), data.size(), &out);
    detail::Check(r, ftc_decoder_last_error(d_.get()));
    return Tensor(out);
  }
  Plane Mosaic(std::span<const uint8_t> data, uint64_t index = 0) {
    ftc_plane out{};
    const ftc_result r = ftc_decode_mosaic(d_.get(), data.data(), data.size(), index, &out);
    detail::Check(r, ftc_decoder_last_error(d_.get()));
    return Plane(out);
  }
  // The returned struct's arrays stay valid until the next call on this decoder.
  ftc_info Info(std::span<const uint8_t> data) {
    ftc_info info{};
    const ftc_result r = ftc_decoder_info(d_.get(), data.data(), data.size(), &info);
    detail::Check(r, ftc_decoder_last_error(d_.get()));
    return info;
  }
  ftc_decoder* get() const { return d_.get(); }

 private:
  struct Destroy {
    void operator()(ftc_decoder* d) const { ftc_decoder_destroy(d); }
  };
  std::unique_ptr<ftc_decoder, Destroy> d_;
};

inline ftc_stream_settings DefaultStreamSettings() {
  ftc_stream_settings s;
  ftc_stream_default_settings(&s);
  return s;
}

// Pushes tensors, returns bytes: the first Encode() returns the stream header and the first packet, every
// later one a packet (see ftc_stream_encode).
class StreamEncoder {
 public:
  explicit StreamEncoder(const ftc_encoder_settings& settings = DefaultEncoderSettings(),
                         const ftc_stream_settings& stream = DefaultStreamSettings()) {
    ftc_stream_encoder* e = nullptr;
    const char* message = nullptr;
    const ftc_result r = ftc_stream_encoder_create(&settings, &stream, &e, &message);
    detail::Check(r, message);
    e_.reset(e);
  }

  Bytes Encode(const ftc_tensor& frame) {
    ftc_buffer out{};
    const ftc_result r = ftc_stream_encode(e_.get(), &frame, &out);
    detail::Check(r, ftc_stream_encoder_last_error(e_.get()));
    return Bytes(out);
  }
  Bytes Header() {
    ftc_buffer out{};
    const ftc_result r = ftc_stream_encoder_header(e_.get(), &out);
    detail::Check(r, ftc_stream_encoder_last_error(e_.get()));
    return Bytes(out);
  }
  ftc_stream_encoder* get() const { return e_.get(); }

 private:
  struct Destroy {
    void operator()(ftc_stream_encoder* e) const { ftc_stream_encoder_destroy(e); }
  };
  std::unique_ptr<ftc_stream_encoder, Destroy> e_;
};

// Pushes bytes, returns tensors (see ftc_stream_decode). Decode() throws ftc::Error on every error, including
// FTC_ERROR_NEED_KEY_FRAME for a packet skipped while waiting for a key frame; after it, keep pushing.
class StreamDecoder {
 public:
  explicit StreamDecoder(const ftc_decoder_settings* settings = nullptr) {
    ftc_stream_decoder* d = nullptr;
    const char* message = nullptr;
    const ftc_result r = ftc_stream_decoder_create(settings, &d, &message);
    detail::Check(r, message);
    d_.reset(d);
  }

  // An empty Tensor (data() NULL) when the chunk was a stream header alone.
  Tensor Decode(std::span<const uint8_t> chunk) {
    ftc_tensor out{};
    const ftc_result r = ftc_stream_decode(d_.get(), chunk.data(), chunk.size(), &out);
    detail::Check(r, ftc_stream_decoder_last_error(d_.get()));
    return Tensor(out);
  }
  ftc_stream_decoder* get() const { return d_.get(); }

 private:
  struct Destroy {
    void operator()(ftc_stream_decoder* d) const { ftc_stream_decoder_destroy(d); }
  };
  std::unique_ptr<ftc_stream_decoder, Destroy> d_;
};

}  // namespace ftc

#endif  // FTC_FTC_HPP
