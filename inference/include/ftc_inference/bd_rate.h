// The Bjøntegaard delta rate (G. Bjøntegaard, "Calculation of average PSNR differences between
// RD-curves", VCEG-M33, 2001), with accuracy in place of PSNR.
//
// Each curve's natural-log rate is made a function of the quality; both functions are integrated over the
// interval of quality the two curves share; the difference of their mean values d gives
// BD-rate = (e^d − 1) · 100 %: the average change in rate of `test` against `anchor` at equal quality
// (negative: `test` needs fewer bytes). Two ways to make the function:
//  - kCubic, VCEG-M33's: a least-squares cubic polynomial through the points (at least 4);
//  - kPchip, the JCT-VC common test conditions' replacement for it: piecewise cubic Hermite interpolation
//    (Fritsch–Carlson slopes, as scipy's PchipInterpolator), which passes through every point (at least 2)
//    and never overshoots between them. Accuracy curves that saturate (rate rising steeply for the last
//    tenths of a point) are where the cubic fit swings and PCHIP stays put.
#ifndef FTC_INFERENCE_BD_RATE_H
#define FTC_INFERENCE_BD_RATE_H

#include <optional>
#include <span>

namespace ftc_inference {

struct RdPoint {
  double rate;     // > 0
  double quality;  // accuracy, PSNR, ...
};

enum class BdMethod { kCubic, kPchip };

// nullopt when a curve has too few points (4 for kCubic, 2 for kPchip) of distinct quality, kPchip gets
// two points of equal quality, a rate is not positive, or the curves share no interval of quality.
std::optional<double> BdRate(std::span<const RdPoint> anchor, std::span<const RdPoint> test,
                             BdMethod method = BdMethod::kCubic);

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_BD_RATE_H
