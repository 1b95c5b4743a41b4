// Shared pieces of the C API implementation: result plumbing and per-thread backend states.
#ifndef FTC_API_HANDLE_H
#define FTC_API_HANDLE_H

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "common/status.h"

namespace ftc {

// Stores a status's message on a handle and returns its code.
inline ftc_result Report(const Status& s, std::string* error) {
  *error = s.message();
  return s.code();
}

// Runs `body` (returning Status), turning exceptions (std::bad_alloc, above all) into a Status, so that
// nothing crosses the C boundary or escapes a worker thread.
template <typename Body>
Status Guarded(Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  } catch (const std::exception& e) {
    return {FTC_ERROR_INTERNAL, std::string("internal error: ") + e.what()};
  }
}

template <typename Body>
ftc_result Guard(std::string* error, Body&& body) {
  return Report(Guarded(std::forward<Body>(body)), error);
}

// One backend state per worker thread, created on first use, and the worker's plane buffer, kept between
// calls: a fresh buffer per item costs a page fault per 4 KiB page, more than a JPEG encode of its plane.
class BackendStates {
 public:
  BackendStates() = default;
  BackendStates(const BackendStates&) = delete;
  BackendStates& operator=(const BackendStates&) = delete;
  ~BackendStates() { Clear(); }

  void Reset(const Backend* backend, std::string options) {
    Clear();
    backend_ = backend;
    options_ = std::move(options);
  }
  const Backend* backend() const { return backend_; }

  // Makes sure workers 0..count-1 have a state (call before a parallel section).
  Status Prepare(size_t count) {
    while (states_.size() < count) {
      void* state = nullptr;
      FTC_RETURN_IF_ERROR(CreateBackendState(*backend_, options_, &state));
      states_.push_back(state);
    }
    if (planes_.size() < count) planes_.resize(count);
    return Status::Ok();
  }
  void* at(size_t worker) const { return states_[worker]; }
  // Worker `worker`'s plane buffer of `bytes` bytes (contents unspecified).
  uint8_t* plane(size_t worker, size_t bytes) {
    planes_[worker].resize(bytes);
    return planes_[worker].data();
  }

 private:
  void Clear() {
    for (void* s : states_)
      if (backend_) backend_->destroy(s);
    states_.clear();
    planes_.clear();
  }
  const Backend* backend_ = nullptr;
  std::string options_;
  std::vector<void*> states_;
  std::vector<std::vector<uint8_t>> planes_;
};

// Copies a std::vector's bytes into malloc'ed memory owned by the caller.
inline Status ToBuffer(const std::vector<uint8_t>& bytes, ftc_buffer* out) {
  out->data = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (out->data == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  if (!bytes.empty()) std::memcpy(out->data, bytes.data(), bytes.size());
  out->size = bytes.size();
  return Status::Ok();
}

}  // namespace ftc

#endif  // FTC_API_HANDLE_H
