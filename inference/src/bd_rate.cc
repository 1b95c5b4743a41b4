#include "ftc_inference/bd_rate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <vector>

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

// Piecewise cubic Hermite interpolation of log(rate) over quality, with the slopes scipy's
// PchipInterpolator chooses.
class Pchip {
 public:
  static std::optional<Pchip> Fit(std::span<const RdPoint> points) {
    Pchip p;
    std::vector<RdPoint> sorted(points.begin(), points.end());
    std::sort(sorted.begin(), sorted.end(), [](const RdPoint& a, const RdPoint& b) { return a.quality < b.quality; });
    for (const RdPoint& pt : sorted) {
      if (!(pt.rate > 0) || !std::isfinite(pt.rate) || !std::isfinite(pt.quality)) return std::nullopt;
      if (!p.x_.empty() && !(pt.quality > p.x_.back())) return std::nullopt;
      p.x_.push_back(pt.quality);
      p.y_.push_back(std::log(pt.rate));
    }
    const size_t n = p.x_.size();
    if (n < 2) return std::nullopt;
    std::vector<double> h(n - 1), delta(n - 1);
    for (size_t k = 0; k + 1 < n; ++k) {
      h[k] = p.x_[k + 1] - p.x_[k];
      delta[k] = (p.y_[k + 1] - p.y_[k]) / h[k];
    }
    p.d_.assign(n, 0.0);
    if (n == 2) {
      p.d_[0] = p.d_[1] = delta[0];
      return p;
    }
    for (size_t k = 1; k + 1 < n; ++k) {
      if (delta[k - 1] * delta[k] <= 0) continue;  // a local extremum: flat
      const double w1 = 2 * h[k] + h[k - 1], w2 = h[k] + 2 * h[k - 1];
      p.d_[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k]);
    }
    p.d_[0] = EdgeSlope(h[0], h[1], delta[0], delta[1]);
    p.d_[n - 1] = EdgeSlope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
    return p;
  }

  // ∫ over quality in [a, b], inside the knots: Simpson's rule, exact for each cubic piece.
  double Integral(double a, double b) const {
    double sum = 0;
    for (size_t k = 0; k + 1 < x_.size(); ++k) {
      const double lo = std::max(a, x_[k]), hi = std::min(b, x_[k + 1]);
      if (hi <= lo) continue;
      sum += (hi - lo) / 6 * (Value(k, lo) + 4 * Value(k, (lo + hi) / 2) + Value(k, hi));
    }
    return sum;
  }

  double lo() const { return x_.front(); }
  double hi() const { return x_.back(); }

 private:
  // The one-sided three-point slope at an end, kept monotone (scipy's _edge_case).
  static double EdgeSlope(double h0, double h1, double m0, double m1) {
    const auto sign = [](double v) { return (v > 0) - (v < 0); };
    const double d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
    if (sign(d) != sign(m0)) return 0;
    if (sign(m0) != sign(m1) && std::fabs(d) > std::fabs(3 * m0)) return 3 * m0;
    return d;
  }

  double Value(size_t k, double q) const {
    const double h = x_[k + 1] - x_[k], t = (q - x_[k]) / h, t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * y_[k] + (t3 - 2 * t2 + t) * h * d_[k] + (-2 * t3 + 3 * t2) * y_[k + 1] +
           (t3 - t2) * h * d_[k + 1];
  }

  std::vector<double> x_, y_, d_;
};

std::pair<double, double> QualityRange(std::span<const RdPoint> points) {
  const auto [lo, hi] = std::minmax_element(points.begin(), points.end(),
                                            [](const RdPoint& x, const RdPoint& y) { return x.quality < y.quality; });
  return {lo->quality, hi->quality};
}


double PercentOf(double mean_log_difference) {
  return (std::exp(mean_log_difference) - 1.0) * 100.0;
}

}  // namespace

std::optional<double> BdRate(std::span<const RdPoint> anchor, std::span<const RdPoint> test, BdMethod method) {
  if (method == BdMethod::kPchip) {
    const std::optional<Pchip> fa = Pchip::Fit(anchor), ft = Pchip::Fit(test);
    if (!fa || !ft) return std::nullopt;
    const double lo = std::max(fa->lo(), ft->lo()), hi = std::min(fa->hi(), ft->hi());
    if (!(hi > lo)) return std::nullopt;
    return PercentOf((ft->Integral(lo, hi) - fa->Integral(lo, hi)) / (hi - lo));
  }
  const std::optional<Cubic> fa = Fit(anchor), ft = Fit(test);
  if (!fa || !ft) return std::nullopt;
  const auto [a_lo, a_hi] = QualityRange(anchor);
  const auto [t_lo, t_hi] = QualityRange(test);
  const double lo = std::max(a_lo, t_lo), hi = std::min(a_hi, t_hi);
  if (!(hi > lo)) return std::nullopt;
  return PercentOf((ft->Integral(lo, hi) - fa->Integral(lo, hi)) / (hi - lo));
}

}  // namespace ftc_inference
