// The documented heuristic (docs/design.md "Heuristic risk") against scores worked out by hand:
// stability = 0.60 x public-rate + 0.25 x volatility + 0.10 x gap + 0.05 x time.
#include <gtest/gtest.h>

#include <algorithm>

#include "src/model/heuristic_model.hpp"

using namespace spotstream;

namespace {

Features features(int band, double price, double vol, double depth, bool business) {
  Features f;
  f.advisor_band = band;
  f.price = price;
  f.volatility_24h = vol;
  f.discount_depth = depth;
  f.is_business_hours = business;
  return f;
}

bool has(const RiskScore& s, Assumption a) { return (s.assumptions & a) != 0; }

const HeuristicModel kModel;

}  // namespace

TEST(HeuristicModel, SafePool) {
  // band 0 (<5%) -> 1.0; volatility 0.02 on 1.0 -> 1 - 0.02 / 0.10 = 0.8; depth 0.7 -> 0.7; off hours -> 1.
  // 0.60 x 1 + 0.25 x 0.8 + 0.10 x 0.7 + 0.05 x 1 = 0.6 + 0.2 + 0.07 + 0.05 = 0.92
  const auto s = kModel.score(features(0, 1.0, 0.02, 0.7, false));
  EXPECT_NEAR(s.stability, 0.92, 1e-12);
  EXPECT_NEAR(s.crash_probability, 0.08, 1e-12);
  EXPECT_EQ(s.label, "safe");
  EXPECT_EQ(s.model, "heuristic-v1");
  EXPECT_EQ(s.assumptions, 0);
}

TEST(HeuristicModel, AvoidPool) {
  // band 4 (>20%) -> 0; volatility 0.1 on 2.0 -> 1 - 0.05 / 0.10 = 0.5; depth -0.1 (spot above
  // on-demand) -> clamped to 0; business hours -> 0.
  // 0 + 0.25 x 0.5 + 0 + 0 = 0.125
  const auto s = kModel.score(features(4, 2.0, 0.1, -0.1, true));
  EXPECT_NEAR(s.stability, 0.125, 1e-12);
  EXPECT_NEAR(s.crash_probability, 0.875, 1e-12);
  EXPECT_EQ(s.label, "avoid");
}

TEST(HeuristicModel, UnknownBandAndOnDemandAreNeutralAndSaidSo) {
  // band unknown -> 0.5; still price -> 1.0; depth absent -> 0.5; business hours -> 0.
  // 0.60 x 0.5 + 0.25 x 1 + 0.10 x 0.5 + 0 = 0.3 + 0.25 + 0.05 = 0.60
  const auto s = kModel.score(features(-1, 1.0, 0.0, kAbsent, true));
  EXPECT_NEAR(s.stability, 0.60, 1e-12);
  EXPECT_EQ(s.label, "caution");
  EXPECT_TRUE(has(s, kAssumeBandUnknown));
  EXPECT_TRUE(has(s, kAssumeOnDemandAbsent));
  EXPECT_FALSE(has(s, kAssumePriceUnknown));
  EXPECT_EQ(assumption_codes(s.assumptions).size(), 2u);
}

TEST(HeuristicModel, EveryBandAndTheVolatilityFloor) {
  // band 2 -> 0.5; volatility 0.5 on 1.0 (50%) -> 1 - 5 < 0 -> 0; depth 0.95; off hours -> 1.
  // 0.3 + 0 + 0.095 + 0.05 = 0.445
  EXPECT_NEAR(kModel.score(features(2, 1.0, 0.5, 0.95, false)).stability, 0.445, 1e-12);
  // band 1 -> 0.75; still -> 1; depth 0.6; business -> 0.  0.45 + 0.25 + 0.06 + 0 = 0.76
  EXPECT_NEAR(kModel.score(features(1, 1.0, 0.0, 0.6, true)).stability, 0.76, 1e-12);
  // band 3 -> 0.25; 0.01 on 0.5 = 2% -> 0.8; depth 0.65; off hours.  0.15 + 0.2 + 0.065 + 0.05 = 0.465
  EXPECT_NEAR(kModel.score(features(3, 0.5, 0.01, 0.65, false)).stability, 0.465, 1e-12);
  // Band outside 0..4 counts as unknown.
  EXPECT_TRUE(has(kModel.score(features(9, 1.0, 0.0, 0.5, false)), kAssumeBandUnknown));
}

TEST(HeuristicModel, Parts) {
  const auto p = HeuristicModel::parts(features(1, 4.0, 0.2, 1.2, true));
  EXPECT_DOUBLE_EQ(p.public_rate, 0.75);
  EXPECT_NEAR(p.volatility, 0.5, 1e-12);  // 0.2 / 4.0 = 5% -> 1 - 0.5
  EXPECT_DOUBLE_EQ(p.gap, 1.0);           // clamped from 1.2
  EXPECT_DOUBLE_EQ(p.time, 0.0);
  // No price: volatility cannot be made relative -> 0.5, said so.
  const auto s = kModel.score(features(0, 0.0, 0.0, 0.5, false));
  EXPECT_TRUE(has(s, kAssumePriceUnknown));
  // 0.6 + 0.25 x 0.5 + 0.10 x 0.5 + 0.05 = 0.825
  EXPECT_NEAR(s.stability, 0.825, 1e-12);
}

TEST(HeuristicModel, LabelBoundaries) {
  EXPECT_EQ(risk_label(0.66), "safe");
  EXPECT_EQ(risk_label(0.65), "caution");  // "above 0.65" is safe: 0.65 itself is not
  EXPECT_EQ(risk_label(0.40), "caution");  // "below 0.40" is avoid: 0.40 itself is not
  EXPECT_EQ(risk_label(0.3999), "avoid");
  EXPECT_EQ(risk_label(1.0), "safe");
  EXPECT_EQ(risk_label(0.0), "avoid");
  EXPECT_DOUBLE_EQ(kWeightPublicRate + kWeightVolatility + kWeightGap + kWeightTime, 1.0);
}
