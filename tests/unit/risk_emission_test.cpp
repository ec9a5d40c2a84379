#include <gtest/gtest.h>

#include "operators/price/risk_emission.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {

Features features(double price, double position) {
  Features f;
  f.price = price;
  f.price_position = position;
  f.discount_depth = 0.5;
  return f;
}

RiskScore score(double stability) {
  RiskScore s;
  s.stability = stability;
  s.crash_probability = 1 - stability;
  return s;
}
}  // namespace

TEST(RiskEmission, FirstTickThenOnlyMaterialChanges) {
  const RiskEmission emit(RiskEmissionSettings{0.01, 60 * kMinuteMs, false});
  LastEmission last;
  EXPECT_TRUE(emit(last, 0, features(1.0, 0.5), score(0.70)));
  EXPECT_FALSE(emit(last, 5 * kMinuteMs, features(1.0, 0.505), score(0.705)));   // both moved by 0.005
  EXPECT_FALSE(emit(last, 10 * kMinuteMs, features(1.009, 0.5), score(0.70)));  // price +0.9%
  EXPECT_TRUE(emit(last, 15 * kMinuteMs, features(1.02, 0.5), score(0.70)));    // price +2%
  EXPECT_TRUE(emit(last, 20 * kMinuteMs, features(1.02, 0.5), score(0.72)));    // stability +0.02
  EXPECT_FALSE(emit(last, 25 * kMinuteMs, features(1.02, 0.5), score(0.72)));
}

TEST(RiskEmission, AtLeastEveryMaxIntervalAndAbsentFeaturesCount) {
  const RiskEmission emit(RiskEmissionSettings{0.01, 60 * kMinuteMs, false});
  LastEmission last;
  ASSERT_TRUE(emit(last, 0, features(1.0, 0.5), score(0.7)));
  EXPECT_FALSE(emit(last, 59 * kMinuteMs, features(1.0, 0.5), score(0.7)));
  EXPECT_TRUE(emit(last, 60 * kMinuteMs, features(1.0, 0.5), score(0.7)));  // a new hour of event time
  Features no_od = features(1.0, 0.5);
  no_od.discount_depth = kAbsent;  // on-demand price became unknown: that is a change
  EXPECT_TRUE(emit(last, 61 * kMinuteMs, no_od, score(0.7)));
  EXPECT_FALSE(emit(last, 62 * kMinuteMs, no_od, score(0.7)));
}

// The refresh follows epoch-aligned slots, not the time since the last record: two pools (or two
// runs of one pool) that published at different times refresh together and agree from there on.
TEST(RiskEmission, RefreshSlotsAreAlignedSoHistoriesConverge) {
  const RiskEmission emit(RiskEmissionSettings{0.01, 60 * kMinuteMs, false});
  LastEmission a, b;
  ASSERT_TRUE(emit(a, 10 * kMinuteMs, features(1.0, 0.5), score(0.7)));
  ASSERT_TRUE(emit(b, 45 * kMinuteMs, features(1.004, 0.5), score(0.7)));  // another history
  EXPECT_FALSE(emit(a, 55 * kMinuteMs, features(1.004, 0.5), score(0.7)));
  EXPECT_FALSE(emit(b, 55 * kMinuteMs, features(1.004, 0.5), score(0.7)));
  // 60 min: a new slot for both, only 15 minutes after b's last record.
  EXPECT_TRUE(emit(a, 60 * kMinuteMs, features(1.008, 0.5), score(0.7)));
  EXPECT_TRUE(emit(b, 60 * kMinuteMs, features(1.008, 0.5), score(0.7)));
  for (int m = 65; m < 200; m += 5) {
    const auto f = features(1.008 + 0.003 * (m % 20), 0.5);
    EXPECT_EQ(emit(a, m * kMinuteMs, f, score(0.7)), emit(b, m * kMinuteMs, f, score(0.7))) << m;
  }
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.relative_price, b.relative_price);
}

TEST(RiskEmission, EveryTickAndOnlyOnChange) {
  const RiskEmission every(RiskEmissionSettings{0.01, 60 * kMinuteMs, true});
  LastEmission a;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(every(a, i * kMinuteMs, features(1.0, 0.5), score(0.7)));
  const RiskEmission on_change(RiskEmissionSettings{0.01, 0, false});
  LastEmission b;
  ASSERT_TRUE(on_change(b, 0, features(1.0, 0.5), score(0.7)));
  EXPECT_FALSE(on_change(b, 1000 * kMinuteMs, features(1.0, 0.5), score(0.7)));  // no interval refresh
}
