// The Bjøntegaard delta rate against values computed independently with NumPy (polyfit of the natural-log
// rate, as in VCEG-M33) and SciPy (PchipInterpolator), and the properties that follow from its definition.
#include "ftc_inference/bd_rate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ftc_inference {
namespace {

std::vector<RdPoint> Points(const std::vector<double>& rates, const std::vector<double>& qualities) {
  std::vector<RdPoint> p;
  for (size_t i = 0; i < rates.size(); ++i) p.push_back({rates[i], qualities[i]});
  return p;
}

// The example of the bjontegaard package's README (FAU-LMS/bjontegaard, x265 presets). NumPy:
//   p = polyfit(q, log(r), 3); integrate both over the shared quality range; (exp(mean difference) - 1) * 100
// gives -4.4204627061332324.
TEST(BdRate, MatchesNumpyOnAKnownExample) {
  const auto anchor = Points({9487.76, 4593.60, 2486.44, 1358.24}, {40.037, 38.615, 36.845, 34.851});
  const auto test = Points({9787.80, 4469.00, 2451.52, 1356.24}, {40.121, 38.651, 36.970, 34.987});
  const std::optional<double> bd = BdRate(anchor, test);
  ASSERT_TRUE(bd.has_value());
  EXPECT_NEAR(*bd, -4.4204627061332324, 1e-9);
}

// The classic four-point example (VCEG-M33 style); NumPy gives 31.397374054910344.
TEST(BdRate, MatchesNumpyOnASecondExample) {
  const auto anchor = Points({686.76, 309.58, 157.11, 85.95}, {40.28, 37.18, 34.24, 31.42});
  const auto test = Points({893.34, 407.8, 204.93, 112.75}, {40.39, 37.21, 34.17, 31.24});
  EXPECT_NEAR(*BdRate(anchor, test), 31.397374054910344, 1e-9);
}

// PCHIP against scipy.interpolate.PchipInterpolator (log rate over quality, integrated over the shared
// range): -4.417485350588979, 31.37987820239765, and on a saturating accuracy curve -2.82376090959936.
TEST(BdRate, PchipMatchesScipy) {
  EXPECT_NEAR(*BdRate(Points({9487.76, 4593.60, 2486.44, 1358.24}, {40.037, 38.615, 36.845, 34.851}),
                      Points({9787.80, 4469.00, 2451.52, 1356.24}, {40.121, 38.651, 36.970, 34.987}), BdMethod::kPchip),
              -4.417485350588979, 1e-9);
  EXPECT_NEAR(*BdRate(Points({686.76, 309.58, 157.11, 85.95}, {40.28, 37.18, 34.24, 31.42}),
                      Points({893.34, 407.8, 204.93, 112.75}, {40.39, 37.21, 34.17, 31.24}), BdMethod::kPchip),
              31.37987820239765, 1e-9);
  EXPECT_NEAR(*BdRate(Points({100, 150, 400, 900, 1000}, {80, 90, 92, 93.5, 93.6}),
                      Points({120, 130, 300, 500}, {70, 88, 93, 93.9}), BdMethod::kPchip),
              -2.82376090959936, 1e-9);
}

TEST(BdRate, ScaledRatesGiveTheScale) {
  // Whatever the fit, a curve with every rate times 0.8 at the same qualities is 20 % cheaper.
  const auto anchor = Points({900, 610, 420, 300, 260}, {93.9, 93.5, 92.8, 91.0, 89.2});
  auto test = anchor;
  for (RdPoint& p : test) p.rate *= 0.8;
  for (const BdMethod m : {BdMethod::kCubic, BdMethod::kPchip}) {
    EXPECT_NEAR(*BdRate(anchor, test, m), -20.0, 1e-9);
    EXPECT_NEAR(*BdRate(test, anchor, m), 25.0, 1e-9);
    EXPECT_NEAR(*BdRate(anchor, anchor, m), 0.0, 1e-12);
  }
}

TEST(BdRate, IsInvariantToTheUnitOfQuality) {
  const auto a = Points({686.76, 309.58, 157.11, 85.95}, {40.28, 37.18, 34.24, 31.42});
  const auto b = Points({893.34, 407.8, 204.93, 112.75}, {40.39, 37.21, 34.17, 31.24});
  auto a2 = a, b2 = b;
  for (RdPoint& p : a2) p.quality = p.quality / 100 + 5;
  for (RdPoint& p : b2) p.quality = p.quality / 100 + 5;
  EXPECT_NEAR(*BdRate(a, b), *BdRate(a2, b2), 1e-7);
}

TEST(BdRate, RefusesWhatItCannotCompute) {
  const auto four = Points({100, 200, 300, 400}, {1, 2, 3, 4});
  EXPECT_FALSE(BdRate(Points({100, 200, 300}, {1, 2, 3}), four));           // 3 points
  EXPECT_FALSE(BdRate(Points({100, 200, 300, 400}, {1, 2, 2, 3}), four));   // 3 distinct qualities
  EXPECT_FALSE(BdRate(Points({100, 0, 300, 400}, {1, 2, 3, 4}), four));     // a rate of 0
  EXPECT_FALSE(BdRate(Points({100, 200, 300, 400}, {5, 6, 7, 8}), four));   // no shared quality range
  EXPECT_TRUE(BdRate(Points({100, 300}, {1, 3}), four, BdMethod::kPchip));   // PCHIP: 2 points suffice
  EXPECT_FALSE(BdRate(Points({100}, {2}), four, BdMethod::kPchip));
  EXPECT_FALSE(BdRate(Points({100, 200, 300}, {1, 2, 2}), four, BdMethod::kPchip));  // equal qualities
}

}  // namespace
}  // namespace ftc_inference
