#include "ftc_inference/bd_rate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace ftc_inference {
namespace {

// log(rate) ≈ c0 + c1·u + c2·u² + c3·u³ with u = (quality − center) / scale: centring and scaling keep
// the normal equations well conditioned whatever the unit of quality.
struct Cubic {
  double center = 0, scale = 1;
  std::array<double, 4> c{};

  // ∫ of the polynomial over quality in [a, b].
  double Integral(double a, double b) const {
    const auto primitive = [&](double q) {
      const double u = (q - center) / scale;
      return scale * u * (c[0] + u * (c[1] / 2 + u * (c[2] / 3 + u * c[3] / 4)));
    };
    return primitive(b) - primitive(a);
  }
};

std::optional<Cubic> Fit(std::span<const RdPoint> points) {
  std::set<double> distinct;
  for (const RdPoint& p : points) {
    if (!(p.rate > 0) || !std::isfinite(p.rate) || !std::isfinite(p.quality)) return std::nullopt;
    distinct.insert(p.quality);
  }
  if (distinct.size() < 4) return std::nullopt;
  Cubic fit;
  const double lo = *distinct.begin(), hi = *distinct.rbegin();
  fit.center = (lo + hi) / 2;
  fit.scale = (hi - lo) / 2;
  // Normal equations A c = b, A[i][j] = Σ u^(i+j), b[i] = Σ u^i log(rate); solved by Gaussian elimination
  // with partial pivoting.
  double a[4][5] = {};
  for (const RdPoint& p : points) {
    const double u = (p.quality - fit.center) / fit.scale, y = std::log(p.rate);
    double pow_u[7] = {1};
    for (int k = 1; k < 7; ++k) pow_u[k] = pow_u[k - 1] * u;
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) a[i][j] += pow_u[i + j];
      a[i][4] += pow_u[i] * y;
    }
  }
  for (int col = 0; col < 4; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 4; ++r)
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    if (std::fabs(a[col][col]) < 1e-12) return std::nullopt;
    for (int r = 0; r < 4; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / a[col][col];
      for (int k = col; k < 5; ++k) a[r][k] -= f * a[col][k];
    }
  }
  for (int i = 0; i < 4; ++i) fit.c[i] = a[i][4] / a[i][i];
  return fit;
}

std::pair<double, double> QualityRange(std::span<const RdPoint> points) {
  const auto [lo, hi] = std::minmax_element(points.begin(), points.end(),
                                            [](const RdPoint& x, const RdPoint& y) { return x.quality < y.quality; });
  return {lo->quality, hi->quality};
}

}  // namespace

std::optional<double> BdRate(std::span<const RdPoint> anchor, std::span<const RdPoint> test) {
  const std::optional<Cubic> fa = Fit(anchor), ft = Fit(test);
  if (!fa || !ft) return std::nullopt;
  const auto [a_lo, a_hi] = QualityRange(anchor);
  const auto [t_lo, t_hi] = QualityRange(test);
  const double lo = std::max(a_lo, t_lo), hi = std::min(a_hi, t_hi);
  if (!(hi > lo)) return std::nullopt;
  const double mean_difference = (ft->Integral(lo, hi) - fa->Integral(lo, hi)) / (hi - lo);
  return (std::exp(mean_difference) - 1.0) * 100.0;
}

}  // namespace ftc_inference
