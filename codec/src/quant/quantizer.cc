#include "quant/quantizer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "common/float16.h"
#include "common/parallel.h"
#include "dsp/scalar.h"

namespace ftc {
namespace {

bool ParseDouble(const std::string& s, double* v) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

struct Moments {
  double sum = 0, sum_sq = 0;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  uint64_t count = 0;
  bool finite = true;

  // Blocks are added in a fixed order (item by item, then channel by channel), whatever the thread count.
  void Add(const Moments& o) {
    sum += o.sum;
    sum_sq += o.sum_sq;
    min = dsp::MinTotal(min, o.min);
    max = dsp::MaxTotal(max, o.max);
    count += o.count;
    finite = finite && o.finite;
  }
};

Moments FromBlock(const dsp::BlockStats& b, uint64_t count) {
  Moments m;
  m.sum = b.sum;
  m.sum_sq = b.sum_sq;
  m.min = b.min;
  m.max = b.max;
  m.count = count;
  m.finite = b.finite;
  return m;
}

Moments BlockMoments(const TensorView& t, uint64_t offset, uint64_t count) {
  dsp::BlockStats b;
  dsp::Active().stats[t.dtype](static_cast<const uint8_t*>(t.data) + offset * ftc_dtype_size(t.dtype), count,
                               &b);
  return FromBlock(b, count);
}

void RangeFromMoments(const Moments& m, const ClipSpec& clip, float* lo, float* hi) {
  switch (clip.mode) {
    case FTC_CLIP_RANGE:
      *lo = clip.lo;
      *hi = clip.hi;
      return;
    case FTC_CLIP_MINMAX:
      *lo = m.min;
      *hi = m.max;
      return;
    case FTC_CLIP_SIGMA: {
      const double mean = m.sum / static_cast<double>(m.count);
      const double var = std::max(0.0, m.sum_sq / static_cast<double>(m.count) - mean * mean);
      const double spread = clip.sigma_k * std::sqrt(var);
      // Never wider than the data: a ReLU output has no negative values to spend levels on.
      *lo = static_cast<float>(std::max(mean - spread, static_cast<double>(m.min)));
      *hi = static_cast<float>(std::min(mean + spread, static_cast<double>(m.max)));
      if (*lo > *hi) *lo = *hi;
      return;
    }
  }
}

// Largest float16 value <= x (down) or smallest >= x (up); false when x is outside float16's finite range.
bool RoundToHalf(float x, bool up, float* out) {
  const float h = HalfToFloat(FloatToHalf(x));
  if (!std::isfinite(h)) return false;
  if ((up && h < x) || (!up && h > x)) {
    uint16_t bits = FloatToHalf(x);
    // Step one float16 ulp in the wanted direction (sign-magnitude encoding).
    const bool negative = bits & 0x8000u;
    if (up != negative)
      bits = static_cast<uint16_t>(bits + 1);
    else if ((bits & 0x7fffu) == 0)
      bits = up ? 0x0001u : 0x8001u;
    else
      bits = static_cast<uint16_t>(bits - 1);
    *out = HalfToFloat(bits);
    return std::isfinite(*out);
  }
  *out = h;
  return true;
}

}  // namespace

Status ValidateClip(const ClipSpec& clip) {
  switch (clip.mode) {
    case FTC_CLIP_SIGMA: {
      const double tenths = clip.sigma_k * 10.0;
      if (!(clip.sigma_k > 0 && clip.sigma_k <= 25.5) || std::fabs(tenths - std::round(tenths)) > 1e-9)
        return InvalidArgument("sigma:K needs 0 < K <= 25.5 in steps of 0.1");
      return Status::Ok();
    }
    case FTC_CLIP_MINMAX:
      return Status::Ok();
    case FTC_CLIP_RANGE:
      if (!std::isfinite(clip.lo) || !std::isfinite(clip.hi) || !(clip.lo < clip.hi))
        return InvalidArgument("range:LO,HI needs finite LO < HI");
      return Status::Ok();
  }
  return InvalidArgument("unknown clip mode " + std::to_string(clip.mode));
}

Status ParseClip(const char* spec, ClipSpec* out) {
  if (spec == nullptr) return InvalidArgument("clip specification is NULL");
  const std::string s(spec);
  ClipSpec clip;
  if (s == "minmax") {
    clip.mode = FTC_CLIP_MINMAX;
  } else if (s.rfind("sigma:", 0) == 0) {
    clip.mode = FTC_CLIP_SIGMA;
    if (!ParseDouble(s.substr(6), &clip.sigma_k))
      return InvalidArgument("bad clip '" + s + "': K is not a number");
  } else if (s.rfind("range:", 0) == 0) {
    clip.mode = FTC_CLIP_RANGE;
    const size_t comma = s.find(',', 6);
    double lo, hi;
    if (comma == std::string::npos || !ParseDouble(s.substr(6, comma - 6), &lo) ||
        !ParseDouble(s.substr(comma + 1), &hi))
      return InvalidArgument("bad clip '" + s + "': expected range:LO,HI");
    clip.lo = static_cast<float>(lo);
    clip.hi = static_cast<float>(hi);
  } else {
    return InvalidArgument("bad clip '" + s + "': expected sigma:K, minmax or range:LO,HI");
  }
  Status st = ValidateClip(clip);
  if (!st.ok()) return InvalidArgument("bad clip '" + s + "': " + st.message());
  *out = clip;
  return Status::Ok();
}

Status CheckFinite(const TensorView& t) {
  const Moments m = BlockMoments(t, 0, t.shape.elements());
  return m.finite ? Status::Ok() : InvalidArgument("tensor contains NaN or Inf");
}

Status ComputeQuantParams(const TensorView& t, int bits, const ClipSpec& clip, bool per_channel,
                          QuantParams* out, int threads) {
  const TensorShape& s = t.shape;
  std::vector<dsp::BlockStats> blocks(s.n * s.c);
  ParallelFor(blocks.size(), WorkersFor(s.elements(), threads), [&](size_t i, int) {
    dsp::Active().stats[t.dtype](
        static_cast<const uint8_t*>(t.data) + i * s.plane() * ftc_dtype_size(t.dtype), s.plane(), &blocks[i]);
  });
  return QuantParamsFromBlocks(blocks, s, bits, clip, per_channel, out);
}

Status QuantParamsFromBlocks(const std::vector<dsp::BlockStats>& blocks, const TensorShape& s, int bits,
                             const ClipSpec& clip, bool per_channel, QuantParams* out) {
  if (bits < 1 || bits > 8) return InvalidArgument("bits must be in 1..8, not " + std::to_string(bits));
  FTC_RETURN_IF_ERROR(ValidateClip(clip));
  std::vector<Moments> channel(s.c);
  for (uint64_t n = 0; n < s.n; ++n)
    for (uint64_t c = 0; c < s.c; ++c) channel[c].Add(FromBlock(blocks[n * s.c + c], s.plane()));

  QuantParams p;
  p.bits = bits;
  p.clip = clip;
  p.per_channel = per_channel;
  std::vector<Moments> groups;
  if (per_channel) {
    groups = std::move(channel);
  } else {
    groups.resize(1);
    for (const Moments& m : channel) groups[0].Add(m);
  }
  for (const Moments& m : groups)
    if (!m.finite) return InvalidArgument("tensor contains NaN or Inf");
  p.lo.resize(groups.size());
  p.hi.resize(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) RangeFromMoments(groups[i], clip, &p.lo[i], &p.hi[i]);

  if (per_channel) {
    std::vector<float> lo(p.lo.size()), hi(p.hi.size());
    bool fits = true;
    for (size_t i = 0; i < lo.size() && fits; ++i)
      fits = RoundToHalf(p.lo[i], false, &lo[i]) && RoundToHalf(p.hi[i], true, &hi[i]);
    if (fits) {
      p.lo = std::move(lo);
      p.hi = std::move(hi);
      p.half_precision = true;
    }
  }
  *out = std::move(p);
  return Status::Ok();
}

}  // namespace ftc
