// The uniform scalar quantiser: statistics, clip range, level <-> value mapping.
//
// With L = 2^bits levels over [lo, hi], step = (hi - lo) / (L - 1):
//   level = clamp(round((x - lo) / step), 0, L - 1)        value = lo + level * step
// so every x inside [lo, hi] is reconstructed within step / 2, and lo and hi themselves exactly.
#ifndef FTC_QUANT_QUANTIZER_H
#define FTC_QUANT_QUANTIZER_H

#include <cmath>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "dsp/scalar.h"
#include "quant/tensor.h"

namespace ftc {

struct ClipSpec {
  ftc_clip_mode mode = FTC_CLIP_SIGMA;
  double sigma_k = 3.0;
  float lo = 0, hi = 0;  // FTC_CLIP_RANGE only
};

Status ParseClip(const char* spec, ClipSpec* out);
Status ValidateClip(const ClipSpec& clip);

struct QuantParams {
  int bits = 8;
  ClipSpec clip;
  bool per_channel = false;
  bool half_precision = false;  // lo/hi are exactly representable in float16 (stored as such)
  std::vector<float> lo, hi;    // one entry, or one per channel

  int levels() const { return 1 << bits; }
  size_t channel_index(uint64_t c) const { return per_channel ? c : 0; }
};

// Computes the clip range(s) of `t` and checks it for NaN and Inf (an error). Per-channel parameters are
// rounded outwards to float16 when they fit, which halves their cost in the header. The statistics of a large
// tensor are gathered on up to `threads` threads; the result does not depend on their number.
Status ComputeQuantParams(const TensorView& t, int bits, const ClipSpec& clip, bool per_channel,
                          QuantParams* out, int threads = 1);
// The same from the statistics of each H×W plane of `s`, item by item (blocks[n * C + c]), however they were
// gathered (the CUDA kernels gather them on the device).
Status QuantParamsFromBlocks(const std::vector<dsp::BlockStats>& blocks, const TensorShape& s, int bits,
                             const ClipSpec& clip, bool per_channel, QuantParams* out);

// FTC_ERROR_INVALID_ARGUMENT when `t` holds a NaN or an Inf (what ComputeQuantParams also checks).
Status CheckFinite(const TensorView& t);

// The quantiser for one clip range, in the form the kernels use. Both directions use the same float
// operations on both sides of the channel, so that encoder and decoder agree bit for bit.
struct LevelMap {
  float lo = 0, step = 0, inv_step = 0;
  int max_level = 255;

  LevelMap(float lo_, float hi_, int levels) : lo(lo_), max_level(levels - 1) {
    step = (hi_ - lo_) / static_cast<float>(max_level);
    inv_step = step > 0 ? static_cast<float>(max_level) / (hi_ - lo_) : 0.0f;
  }
  dsp::QuantizeArgs quantize_args() const { return {lo, inv_step, max_level}; }
  dsp::DequantizeArgs dequantize_args() const { return {lo, step}; }
  int Quantize(float x) const { return dsp::QuantizeOne(x, quantize_args()); }
  float Value(int level) const { return dsp::DequantizeOne(level, dequantize_args()); }
  // The level that stands for "no signal" in padding: the level of 0.0 when 0 is inside the range,
  // otherwise the middle level.
  int FillLevel(float hi) const { return (lo <= 0.0f && hi >= 0.0f) ? Quantize(0.0f) : (max_level + 1) / 2; }
};

}  // namespace ftc

#endif  // FTC_QUANT_QUANTIZER_H
