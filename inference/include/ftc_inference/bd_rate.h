// The Bjøntegaard delta rate (G. Bjøntegaard, "Calculation of average PSNR differences between
// RD-curves", VCEG-M33, 2001), with accuracy in place of PSNR.
//
// Each curve's natural-log rate is fitted, by least squares, with a cubic polynomial of the quality; both
// polynomials are integrated over the interval of quality the two curves share; the difference of their
// mean values d gives BD-rate = (e^d − 1) · 100 %: the average change in rate of `test` against `anchor`
// at equal quality (negative: `test` needs fewer bytes).
#ifndef FTC_INFERENCE_BD_RATE_H
#define FTC_INFERENCE_BD_RATE_H

#include <optional>
#include <span>

namespace ftc_inference {

struct RdPoint {
  double rate;     // > 0
  double quality;  // accuracy, PSNR, ...
};

// nullopt when a curve has fewer than 4 points of distinct quality, a rate is not positive, or the
// curves share no interval of quality.
std::optional<double> BdRate(std::span<const RdPoint> anchor, std::span<const RdPoint> test);

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_BD_RATE_H
