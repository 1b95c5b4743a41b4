#include "backends/lossless_model.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <string>

#include "backends/lossless_mixer.h"
#include "backends/lossless_range_coder.h"

namespace ftc::lossless {
namespace {

constexpr int kPredictors = 5;
constexpr int kActivities = 12;     // classes of expected error, see ActivityClass
constexpr int kMapClasses = 8;      // classes of the cross-tile error map
constexpr int kPositions = 4;       // interior, first row, first column, first pixel of a tile
constexpr int kZeroNeighbours = 5;  // how many of W, N, NW, NE are 0
constexpr int kNearZero = 5;        // the prediction's distance from 0 in half levels, capped
constexpr int kFractions = 8;       // prediction minus its rounding, in eighths of a level: -4..3
constexpr int kBuckets = 9;         // bit lengths of magnitude - 1 for magnitudes up to 256

// Quantises an expected error (3 × eighths of a level) on a roughly logarithmic scale.
constexpr std::array<int, kActivities - 1> kActivitySteps = {1, 3, 6, 10, 16, 26, 42, 68, 110, 180, 300};
constexpr auto kActivityTable = [] {
  std::array<uint8_t, 301> t{};
  for (int a = 0; a <= 300; ++a) {
    int c = 0;
    while (c < kActivities - 1 && a >= kActivitySteps[c]) ++c;
    t[a] = static_cast<uint8_t>(c);
  }
  return t;
}();
int ActivityClass(int a) {
  return a >= 300 ? kActivities - 1 : kActivityTable[a];
}

int BitLength(uint32_t v) {
  return v == 0 ? 0 : 32 - __builtin_clz(v);
}

// About 2^30 / e^2 for 1 <= e < 2^24, to 1%, without a division (e is cut to its top 8 bits); at least 1, so
// that a blend never runs out of weight.
constexpr auto kReciprocal = [] {
  std::array<uint32_t, 256> t{};
  for (uint32_t m = 1; m < 256; ++m) t[m] = (1u << 22) / m;
  return t;
}();
int64_t InverseSquare(uint32_t e) {
  const int shift = std::max(0, BitLength(e) - 8);
  const int64_t r = kReciprocal[e >> shift] >> shift;
  return std::max<int64_t>(1, (r * r) >> 14);
}

// Every adaptive estimate and mixer of one plane; a plane starts from scratch.
struct Contexts {
  // Is the level 0 (within max_error)?
  BitModel zero[kPositions][kZeroNeighbours][kNearZero];
  BitModel zero_by_activity[kActivities][kNearZero][kZeroNeighbours];
  Mixer zero_mix[kPositions][kZeroNeighbours];
  // Is the residual 0? The last index says whether W == N and N == NE.
  BitModel exact[kPositions][kActivities][3];
  BitModel exact_by_map[kPositions][kMapClasses][kNearZero];
  Mixer exact_mix[kActivities];
  // The residual's sign, by where the prediction fell between two levels and the sign of recent errors.
  BitModel sign[kActivities][kFractions];
  BitModel sign_by_bias[kFractions][3][3];
  Mixer sign_mix[kFractions];
  // The magnitude: its bucket in unary, then the bucket's mantissa bits, the first one modelled closely.
  BitModel bucket[2][kActivities][kBuckets];
  BitModel bucket_by_map[2][kPositions][kMapClasses][kBuckets];
  Mixer bucket_mix[kBuckets][kActivities];
  BitModel mantissa_top[2][kActivities][kBuckets];
  BitModel mantissa_top_by_map[2][kMapClasses][kBuckets];
  Mixer mantissa_top_mix[kBuckets];
  BitModel mantissa_rest[kBuckets][kBuckets];
};

}  // namespace

struct Workspace::State {
  Contexts contexts;
  std::vector<uint8_t> reconstruction;  // the encoder's copy of what the decoder will see
  std::vector<uint16_t> error_map;      // per tile position, a running mean of the error over earlier tiles
  // Two rows (above and current) per quantity, with one cell of margin each side for the tile's edges.
  std::vector<uint16_t> predictor_errors[2];
  std::vector<int16_t> errors[2];  // |level - prediction| in eighths; -1 outside the tile
  std::vector<int16_t> signed_errors[2];
};

Workspace::Workspace() : state_(std::make_unique<State>()) {}
Workspace::~Workspace() = default;

namespace {

struct Neighbours {
  int w, n, nw, ne;
};

// The per-pixel context shared by the residual's binary decisions.
struct PixelContext {
  int position, activity, map_class, bias, flat, near_zero, fraction;
};

template <class Coder>
class PlaneCoder {
 public:
  // `truth` is the plane to encode (nullptr when decoding); levels are written to `out`.
  PlaneCoder(Coder* coder, Workspace::State* state, const PlaneLayout& layout, const uint8_t* truth,
             uint8_t* out, uint32_t width, uint32_t height)
      : coder_(*coder),
        s_(*state),
        c_(state->contexts),
        truth_(truth),
        out_(out),
        width_(width),
        height_(height),
        max_level_((1 << layout.bits) - 1),
        max_error_(layout.max_error),
        step_(2 * layout.max_error + 1),
        top_(max_level_ - layout.max_error - 1) {
    const bool tiled = layout.tile_width > 0 && layout.tile_height > 0 && width % layout.tile_width == 0 &&
                       height % layout.tile_height == 0;
    tile_w_ = tiled ? layout.tile_width : width;
    tile_h_ = tiled ? layout.tile_height : height;
  }

  Status Run() {
    s_.contexts = Contexts{};
    s_.error_map.assign(static_cast<size_t>(tile_w_) * tile_h_, 0);
    for (int r = 0; r < 2; ++r) {
      s_.predictor_errors[r].resize((tile_w_ + 2) * size_t{kPredictors});
      s_.errors[r].resize(tile_w_ + 2);
      s_.signed_errors[r].resize(tile_w_ + 2);
    }
    const uint8_t* previous = nullptr;
    const uint32_t rows = tile_h_ > 0 ? height_ / tile_h_ : 0, cols = tile_w_ > 0 ? width_ / tile_w_ : 0;
    for (uint32_t ty = 0; ty < rows; ++ty) {
      for (uint32_t tx = 0; tx < cols; ++tx) {
        const size_t origin = static_cast<size_t>(ty) * tile_h_ * width_ + static_cast<size_t>(tx) * tile_w_;
        // A tile's first pixel has no neighbours: predict it from the previous tile's first pixel.
        FTC_RETURN_IF_ERROR(CodeTile(origin, previous ? previous[0] : 0));
        previous = out_ + origin;
      }
    }
    // A 16-bit check of the levels, so that damage which still decodes is caught here too (the container's
    // CRC is the first line): a truncated stream, for one, decodes into noise that can end at just the
    // right length.
    const uint32_t check = Check();
    uint32_t coded = 0;
    for (int i = 15; i >= 0; --i)
      coded = (coded << 1) | static_cast<uint32_t>(coder_.Code(kHalf, (check >> i) & 1));
    if (coded != check) return Corrupt("lossless: the decoded levels fail their check");
    return Status::Ok();
  }

 private:
  static constexpr bool kDecoding = Coder::kDecoding;
  static constexpr uint32_t kHalf = 1u << 15;

  // FNV-1a over the levels, folded to 16 bits.
  uint32_t Check() const {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < static_cast<size_t>(width_) * height_; ++i) h = (h ^ out_[i]) * 16777619u;
    return (h ^ (h >> 16)) & 0xFFFFu;
  }

  Status CodeTile(size_t origin, int seed) {
    // Row 0 is "above" (all outside the tile at first), row 1 the current one.
    for (int r = 0; r < 2; ++r) {
      std::fill(s_.predictor_errors[r].begin(), s_.predictor_errors[r].end(), 0);
      std::fill(s_.errors[r].begin(), s_.errors[r].end(), -1);
      std::fill(s_.signed_errors[r].begin(), s_.signed_errors[r].end(), 0);
    }
    int above = 0;
    for (uint32_t y = 0; y < tile_h_; ++y) {
      const size_t row = origin + static_cast<size_t>(y) * width_;
      for (uint32_t x = 0; x < tile_w_; ++x) {
        Neighbours nb;
        if (y == 0) {
          nb.w = x == 0 ? seed : out_[row + x - 1];
          nb.n = nb.nw = nb.ne = nb.w;
        } else {
          nb.n = out_[row - width_ + x];
          nb.w = x > 0 ? out_[row + x - 1] : nb.n;
          nb.nw = x > 0 ? out_[row - width_ + x - 1] : nb.n;
          nb.ne = x + 1 < tile_w_ ? out_[row - width_ + x + 1] : nb.n;
        }
        const int position = (y == 0 ? 1 : 0) + (x == 0 ? 2 : 0);
        if (!CodePixel(nb, position, above, x, static_cast<size_t>(y) * tile_w_ + x, row + x))
          return Corrupt("lossless: a residual exceeds the range of levels");
      }
      if constexpr (kDecoding) {
        if (coder_.Overran()) return Truncated("lossless: payload ends before the plane");
      }
      above ^= 1;
    }
    return Status::Ok();
  }

  // Codes the pixel at `index` in the plane (`tile_index` in the tile, column x). False on a corrupt
  // residual.
  bool CodePixel(const Neighbours& nb, int position, int above, uint32_t x, size_t tile_index, size_t index) {
    const int current = above ^ 1;
    const uint16_t* pe_above = s_.predictor_errors[above].data();
    uint16_t* pe_current = s_.predictor_errors[current].data();
    const int16_t* e_above = s_.errors[above].data();
    int16_t* e_current = s_.errors[current].data();
    const int16_t* se_above = s_.signed_errors[above].data();
    int16_t* se_current = s_.signed_errors[current].data();
    const size_t c = x + 1;  // this column in the row buffers

    // Blend the predictors by their errors at W, N (counted twice), NW and NE.
    const int w = nb.w, n = nb.n, nw = nb.nw, ne = nb.ne;
    const int med = nw >= std::max(w, n)   ? std::min(w, n)
                    : nw <= std::min(w, n) ? std::max(w, n)
                                           : w + n - nw;
    const int predictions[kPredictors] = {n * 8, w * 8, (w + ne - n) * 8, (w + n - nw) * 8, med * 8};
    int64_t weight_sum = 0, weighted = 0;
    for (int k = 0; k < kPredictors; ++k) {
      const uint32_t e = 1u + pe_current[(c - 1) * kPredictors + k] + 2u * pe_above[c * kPredictors + k] +
                         pe_above[(c - 1) * kPredictors + k] + pe_above[(c + 1) * kPredictors + k];
      const int64_t weight = InverseSquare(e);
      weight_sum += weight;
      weighted += weight * predictions[k];
    }
    const int prediction = std::clamp(static_cast<int>((weighted + weight_sum / 2) / weight_sum),
                                      std::min({w, n, ne}) * 8, std::max({w, n, ne}) * 8);

    // Expected error: the recent errors around, and the error seen here in earlier tiles.
    int sum = 0, count = 0;
    const auto add = [&](int e, int weight) {
      if (e >= 0) {
        sum += weight * e;
        count += weight;
      }
    };
    add(e_current[c - 1], 2);
    add(e_above[c], 2);
    add(e_above[c - 1], 1);
    add(e_above[c + 1], 1);
    uint16_t& map = s_.error_map[tile_index];
    const int map_error = map >> 2;
    const int local = count > 0 ? sum * 6 / count / 2 : 0;
    PixelContext ctx{};
    ctx.position = position;
    ctx.activity = ActivityClass((local + map_error) / 2);
    ctx.map_class = std::min(ActivityClass(map_error), kMapClasses - 1);
    const int bias = se_current[c - 1] + se_above[c];
    ctx.bias = bias > 2 ? 2 : bias < -2 ? 0 : 1;
    ctx.flat = w == n ? (n == ne ? 2 : 1) : 0;
    ctx.near_zero = std::min(prediction / 4, kNearZero - 1);

    const int truth = kDecoding ? 0 : truth_[index];
    int level = 0;
    if (top_ >= 0) {  // else every level is within max_error of 0
      const int zeros = (w == 0) + (n == 0) + (nw == 0) + (ne == 0);
      const int is_zero = CodeMixed(c_.zero[position][zeros][ctx.near_zero],
                                    c_.zero_by_activity[ctx.activity][ctx.near_zero][zeros],
                                    c_.zero_mix[position][zeros], truth <= max_error_);
      if (!is_zero) {
        // The rest: levels max_error+1..max_level, shifted down to 0..top_.
        const int shifted = prediction - 8 * (max_error_ + 1);
        const int base = std::clamp((shifted + 4) >> 3, 0, top_);
        ctx.fraction = std::clamp(shifted - 8 * base, -4, 3);
        int q = 0;
        if constexpr (!kDecoding) {
          const int e = truth - (max_error_ + 1) - base;
          q = e >= 0 ? (e + max_error_) / step_ : -((max_error_ - e) / step_);
        }
        if (!CodeResidual(ctx, (base + max_error_) / step_, (top_ - base + max_error_) / step_, &q))
          return false;
        level = std::clamp(base + q * step_, 0, top_) + max_error_ + 1;
      }
    }
    out_[index] = static_cast<uint8_t>(level);

    for (int k = 0; k < kPredictors; ++k)
      pe_current[c * kPredictors + k] = static_cast<uint16_t>(std::abs(level * 8 - predictions[k]));
    const int error = level * 8 - prediction;
    e_current[c] = static_cast<int16_t>(std::abs(error));
    se_current[c] = static_cast<int16_t>(error);
    map = static_cast<uint16_t>(map + ((std::abs(error) * 12 - map) >> 3));
    return true;
  }

  // Codes q in [-negative, positive]. False when a decoded magnitude is out of range.
  bool CodeResidual(const PixelContext& ctx, int negative, int positive, int* q) {
    if (negative == 0 && positive == 0) return true;
    const int a = ctx.activity, g = ctx.map_class;
    if (!CodeMixed(c_.exact[ctx.position][a][ctx.flat], c_.exact_by_map[ctx.position][g][ctx.near_zero],
                   c_.exact_mix[a], *q != 0)) {
      *q = 0;
      return true;
    }
    int neg = *q < 0;
    if (negative == 0 || positive == 0) {
      neg = negative > 0;
    } else {
      const int f = ctx.fraction + 4;
      neg = CodeMixed(c_.sign[a][f], c_.sign_by_bias[f][ctx.bias][std::min(a, 2)], c_.sign_mix[f], neg);
    }
    const int max_magnitude = neg ? negative : positive;
    const uint32_t value = kDecoding ? 0 : static_cast<uint32_t>(std::abs(*q) - 1);
    const int length = BitLength(value);
    const int max_length = BitLength(static_cast<uint32_t>(max_magnitude - 1));
    int bucket = 0;
    while (bucket < max_length &&
           CodeMixed(c_.bucket[neg][a][bucket], c_.bucket_by_map[neg][ctx.position][g][bucket],
                     c_.bucket_mix[bucket][a], bucket < length))
      ++bucket;
    uint32_t decoded = bucket > 0 ? 1 : 0;
    for (int j = bucket - 2; j >= 0; --j) {
      int bit = (value >> j) & 1;
      if (j == bucket - 2)
        bit = CodeMixed(c_.mantissa_top[neg][a][bucket], c_.mantissa_top_by_map[neg][g][bucket],
                        c_.mantissa_top_mix[bucket], bit);
      else
        bit = coder_.Code(c_.mantissa_rest[bucket][j], bit);
      decoded = (decoded << 1) | static_cast<uint32_t>(bit);
    }
    if (static_cast<int>(decoded) >= max_magnitude) return false;
    *q = neg ? -static_cast<int>(decoded + 1) : static_cast<int>(decoded + 1);
    return true;
  }

  // Codes a bit with the mixture of two estimates, and teaches all three.
  int CodeMixed(BitModel& a, BitModel& b, Mixer& mixer, int bit) {
    const int sa = Stretch(static_cast<int>(a.p0() >> 4)), sb = Stretch(static_cast<int>(b.p0() >> 4));
    const int p12 = mixer.Mix(sa, sb);
    bit = coder_.Code(static_cast<uint32_t>(p12) << 4, bit);
    mixer.Update(sa, sb, p12, bit);
    a.Update(bit);
    b.Update(bit);
    return bit;
  }

  Coder& coder_;
  Workspace::State& s_;
  Contexts& c_;
  const uint8_t* truth_;
  uint8_t* out_;
  const uint32_t width_, height_;
  uint32_t tile_w_, tile_h_;
  const int max_level_, max_error_, step_;
  const int top_;  // the highest level, less max_error + 1: the residual's range once "zero" is ruled out
};

}  // namespace

void EncodePlane(const PlaneView& plane, const PlaneLayout& layout, Workspace* work,
                 std::vector<uint8_t>* out) {
  Workspace::State& s = work->state();
  s.reconstruction.resize(static_cast<size_t>(plane.width) * plane.height);
  out->clear();
  RangeEncoder encoder(out);
  PlaneCoder<RangeEncoder> coder(&encoder, &s, layout, plane.data, s.reconstruction.data(), plane.width,
                                 plane.height);
  [[maybe_unused]] const Status status = coder.Run();
  assert(status.ok() && "encoding cannot fail");
  encoder.Finish();
}

Status DecodePlane(std::span<const uint8_t> payload, const PlaneLayout& layout, Workspace* work,
                   MutablePlane plane) {
  RangeDecoder decoder(payload);
  PlaneCoder<RangeDecoder> coder(&decoder, &work->state(), layout, nullptr, plane.data, plane.width,
                                 plane.height);
  FTC_RETURN_IF_ERROR(coder.Run());
  return decoder.Finish();
}

}  // namespace ftc::lossless
