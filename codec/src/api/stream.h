// Streams of tensors: the encoder and decoder behind ftc_stream_* and behind files of video codecs.
#ifndef FTC_API_STREAM_H
#define FTC_API_STREAM_H

#include <cstdint>
#include <string>
#include <vector>

#include "api/backend_clock.h"
#include "api/settings.h"
#include "backends/frame_coder.h"
#include "container/container.h"
#include "mosaic/mosaic.h"

namespace ftc {

// Ends `coder` (a FrameEncoder or FrameDecoder) timed on `clock`: closing a codec library's encoder or
// decoder is part of its cost.
template <typename Coder>
void EndOn(BackendClock* clock, Coder& coder) {
  (void)TimeOn(clock, [&] {
    coder.End();
    return Status::Ok();
  });
}

class StreamEncoder {
 public:
  // `clock`, when not null, times the backend's calls.
  StreamEncoder(const EncoderConfig& config, const StreamConfig& stream, BackendClock* clock = nullptr);
  ~StreamEncoder() { EndOn(clock_, coder_); }
  StreamEncoder(const StreamEncoder&) = delete;
  StreamEncoder& operator=(const StreamEncoder&) = delete;

  // Codes batch item `item` of `view` as the next frame and appends what it makes to `out`: at the first
  // frame the stream header, then the frame's packet. `rank` is how the caller sees a frame: 3 (C×H×W) or 4
  // (1×C×H×W). A frame that does not fit the stream is an error that changes nothing; after any other error
  // the encoder refuses every frame.
  Status Encode(const TensorView& view, uint64_t item, uint32_t rank, std::vector<uint8_t>* out);
  // The stream header; empty before the first frame.
  const std::vector<uint8_t>& header() const { return header_bytes_; }

 private:
  Status CheckFrame(const TensorView& frame, uint32_t rank) const;
  Status RangesOf(const TensorView& frame, bool key, QuantParams* q) const;
  Status Start(const TensorView& frame, uint32_t rank, const QuantParams& q);

  EncoderConfig config_;
  StreamConfig stream_;
  Header header_;  // once started
  std::vector<uint8_t> header_bytes_;
  QuantParams quant_;  // the ranges in force
  FrameEncoder coder_;
  BackendClock* clock_;
  uint64_t frames_ = 0;
  Status failed_;
  std::vector<uint8_t> plane_, payload_;
};

class StreamDecoder {
 public:
  // `clock`, when not null, times the backend's calls.
  StreamDecoder(std::string implementation, uint64_t max_elements, BackendClock* clock = nullptr)
      : implementation_(std::move(implementation)), max_elements_(max_elements), clock_(clock) {}
  ~StreamDecoder() { EndOn(clock_, coder_); }
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Starts (or restarts) a stream at its header; decoding begins at the next key frame.
  Status Start(const Header& h);
  bool started() const { return started_; }
  const Header& header() const { return header_; }
  uint64_t max_elements() const { return max_elements_; }
  // Marks the stream as broken: decoding resumes at the next key frame.
  void Lose() { need_key_ = true; }
  // Decodes packet `p` into plane(). Without a decodable reference (after Start or an error) a packet that is
  // not a key frame is skipped with FTC_ERROR_NEED_KEY_FRAME.
  Status DecodePlane(const Packet& p);
  const std::vector<uint8_t>& plane() const { return plane_; }
  // The ranges in force: the header's, or those of the last key frame when each key frame has its own.
  const QuantParams& quant() const { return quant_; }
  // DecodePlane, then the plane into item `item` of `values`, a tensor of the header's dtype made of C×H×W
  // frames.
  Status Decode(const Packet& p, void* values, uint64_t item);

 private:
  std::string implementation_;
  uint64_t max_elements_;
  BackendClock* clock_;
  bool started_ = false;
  Header header_;
  const Backend* backend_ = nullptr;
  QuantParams quant_;  // the ranges in force
  FrameDecoder coder_;
  bool need_key_ = true;
  std::vector<uint8_t> plane_;
};

}  // namespace ftc

#endif  // FTC_API_STREAM_H
