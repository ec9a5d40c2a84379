// Feature builder: every feature of one tick against values worked out by hand (arithmetic in the
// comments; trigonometry checked with Python's math module).
#include <gtest/gtest.h>

#include <cmath>

#include "operators/price/feature_builder.hpp"
#include "src/core/hash.hpp"
#include "src/core/time.hpp"
#include "src/model/spot_advisor.hpp"

using namespace spotstream;

namespace {

PriceTick tick(const char* iso, double price, double on_demand = kAbsent, const char* region = "us-east-1",
               const char* az = "us-east-1a", const char* type = "p3.2xlarge", const char* product = "Linux/UNIX") {
  PriceTick t;
  t.ts = *parse_iso8601(iso);
  t.region = region;
  t.az = az;
  t.instance_type = type;
  t.product = product;
  t.spot_price = price;
  t.on_demand_price = on_demand;
  return t;
}

WindowStats window(const PriceTick& t, double min, double max, double vol = 0, std::uint32_t ticks = 1) {
  WindowStats w;
  w.min = min;
  w.max = max;
  w.last_price = t.spot_price;
  w.last_ts = t.ts;
  w.volatility_24h = vol;
  w.ticks_in_window = ticks;
  return w;
}

}  // namespace

TEST(FeatureBuilder, PriceFeaturesAndOnDemandFromTheTick) {
  FamilyStressState fam;
  const auto t = tick("2024-01-08T14:30:00Z", 0.918, 3.06);
  const auto f = FeatureBuilder{}(t, window(t, 0.9, 1.2, 0.0125, 42), fam);
  EXPECT_DOUBLE_EQ(f.price, 0.918);
  EXPECT_DOUBLE_EQ(f.window_min, 0.9);
  EXPECT_DOUBLE_EQ(f.window_max, 1.2);
  EXPECT_NEAR(f.price_position, 0.06, 1e-12);  // (0.918 - 0.9) / (1.2 - 0.9) = 0.018 / 0.3
  EXPECT_EQ(f.on_demand_source, "tick");
  EXPECT_DOUBLE_EQ(f.on_demand_price, 3.06);
  EXPECT_NEAR(f.discount_depth, 0.7, 1e-12);  // 1 - 0.918 / 3.06 = 1 - 0.3
  EXPECT_DOUBLE_EQ(f.volatility_24h, 0.0125);
  EXPECT_EQ(f.ticks_in_window, 42u);
  // Alone in its family: stress is its own position.
  EXPECT_EQ(f.family_pools, 1u);
  EXPECT_NEAR(f.family_stress_mean, 0.06, 1e-12);
  EXPECT_NEAR(f.family_stress_max, 0.06, 1e-12);
  EXPECT_EQ(f.advisor_band, -1);  // no advisor given
}

TEST(FeatureBuilder, FlatWindowIsHalfWay) {
  FamilyStressState fam;
  const auto t = tick("2024-01-08T14:30:00Z", 3.06, 3.06);
  const auto f = FeatureBuilder{}(t, window(t, 3.06, 3.06), fam);
  EXPECT_DOUBLE_EQ(f.price_position, 0.5);
  EXPECT_DOUBLE_EQ(f.discount_depth, 0.0);  // pinned at on-demand: 1 - 3.06 / 3.06
}

TEST(FeatureBuilder, OnDemandFromTheTableOrAbsent) {
  FamilyStressState fam;
  // c5.xlarge in us-east-1: 4 vCPU x 0.0425 = 0.17 USD/h in the static table.
  auto t = tick("2024-01-08T14:30:00Z", 0.068, kAbsent, "us-east-1", "us-east-1b", "c5.xlarge");
  auto f = FeatureBuilder{}(t, window(t, 0.06, 0.07), fam);
  EXPECT_EQ(f.on_demand_source, "table");
  EXPECT_DOUBLE_EQ(f.on_demand_price, 0.17);
  EXPECT_NEAR(f.discount_depth, 0.6, 1e-12);  // 1 - 0.068 / 0.17 = 1 - 0.4
  // The table holds Linux prices: a Windows pool gets none.
  t.product = "Windows";
  f = FeatureBuilder{}(t, window(t, 0.06, 0.07), fam);
  EXPECT_EQ(f.on_demand_source, "absent");
  EXPECT_TRUE(std::isnan(f.on_demand_price));
  EXPECT_TRUE(std::isnan(f.discount_depth));
  // A region the table does not cover.
  t = tick("2024-01-08T14:30:00Z", 0.068, kAbsent, "ap-south-1", "ap-south-1a", "c5.xlarge");
  f = FeatureBuilder{}(t, window(t, 0.06, 0.07), fam);
  EXPECT_EQ(f.on_demand_source, "absent");
  EXPECT_TRUE(std::isnan(f.discount_depth));
}

TEST(FeatureBuilder, SpotAboveOnDemandGivesANegativeDepthNotClamped) {
  FamilyStressState fam;
  const auto t = tick("2024-01-08T14:30:00Z", 3.5, 3.06);
  const auto f = FeatureBuilder{}(t, window(t, 0.9, 3.5), fam);
  EXPECT_NEAR(f.discount_depth, -0.14379084967320255, 1e-12);  // 1 - 3.5 / 3.06 = -0.44 / 3.06
  EXPECT_DOUBLE_EQ(f.price_position, 1.0);
}

TEST(FeatureBuilder, TimeFeaturesInTheRegionsLocalStandardTime) {
  FamilyStressState fam;
  // Monday 2024-01-08 14:30Z = 09:30 in us-east-1 (UTC-5): h = 9.5, angle 142.5 degrees:
  // sin = sin(37.5 deg) = 0.6087614290087209, cos = -cos(37.5 deg) = -0.793353340291235.
  auto t = tick("2024-01-08T14:30:00Z", 1, 3);
  auto f = FeatureBuilder{}(t, window(t, 1, 1), fam);
  EXPECT_NEAR(f.hour_sin, 0.6087614290087209, 1e-12);
  EXPECT_NEAR(f.hour_cos, -0.793353340291235, 1e-12);
  EXPECT_FALSE(f.is_weekend);
  EXPECT_TRUE(f.is_business_hours);
  // The same instant is 14:30 in eu-west-1: also business hours. 23:00Z Monday is 18:00 in
  // us-east-1 (the end, excluded: h = 18, sin = -1, cos = 0) and 23:00 in eu-west-1.
  t = tick("2024-01-08T23:00:00Z", 1, 3);
  f = FeatureBuilder{}(t, window(t, 1, 1), fam);
  EXPECT_FALSE(f.is_business_hours);
  EXPECT_NEAR(f.hour_sin, -1.0, 1e-12);
  EXPECT_NEAR(f.hour_cos, 0.0, 1e-12);
  t = tick("2024-01-08T13:59:59Z", 1, 3);  // 08:59:59 local: not yet
  EXPECT_FALSE(FeatureBuilder{}(t, window(t, 1, 1), fam).is_business_hours);
  t = tick("2024-01-08T14:00:00Z", 1, 3);  // 09:00 local: starts
  EXPECT_TRUE(FeatureBuilder{}(t, window(t, 1, 1), fam).is_business_hours);
  // Saturday 2024-01-06 15:00Z = 10:00 local: weekend, so not business hours.
  // h = 10: sin(150 deg) = 0.5, cos(150 deg) = -0.8660254037844387.
  t = tick("2024-01-06T15:00:00Z", 1, 3);
  f = FeatureBuilder{}(t, window(t, 1, 1), fam);
  EXPECT_TRUE(f.is_weekend);
  EXPECT_FALSE(f.is_business_hours);
  EXPECT_NEAR(f.hour_sin, 0.5, 1e-12);
  EXPECT_NEAR(f.hour_cos, -0.8660254037844387, 1e-12);
  // Saturday 2024-01-06 03:00Z is still Friday 22:00 in us-east-1: a weekday.
  t = tick("2024-01-06T03:00:00Z", 1, 3);
  EXPECT_FALSE(FeatureBuilder{}(t, window(t, 1, 1), fam).is_weekend);
}

TEST(FeatureBuilder, FamilyStressAcrossSizes) {
  FamilyStressState fam;
  const FeatureBuilder build;
  auto a = tick("2024-01-08T14:30:00Z", 2.0, 3.06, "us-east-1", "us-east-1a", "p3.2xlarge");
  build(a, window(a, 1.0, 3.0), fam);  // position (2 - 1) / 2 = 0.5
  auto b = tick("2024-01-08T14:35:00Z", 9.0, 12.24, "us-east-1", "us-east-1a", "p3.8xlarge");
  auto f = build(b, window(b, 4.0, 10.0), fam);  // position (9 - 4) / 6 = 0.8333...
  EXPECT_NEAR(f.price_position, 5.0 / 6, 1e-12);
  EXPECT_EQ(f.family_pools, 2u);
  EXPECT_NEAR(f.family_stress_mean, (0.5 + 5.0 / 6) / 2, 1e-12);  // 0.6666...
  EXPECT_NEAR(f.family_stress_max, 5.0 / 6, 1e-12);
  auto c = tick("2024-01-08T14:35:00Z", 9.0, 12.24, "us-east-1", "us-east-1b", "p3.8xlarge");
  EXPECT_EQ(build(c, window(c, 4.0, 10.0), fam).family_pools, 1u);  // another AZ
}

TEST(FeatureBuilder, AnOutOfOrderTickDoesNotMoveThePoolsPresent) {
  FamilyStressState fam;
  // The window's latest tick is 1.0 at Monday 14:30Z; a tick of 0.5 from ten minutes earlier lowers
  // the window minimum to 0.5. The pool is still at 1.0 at 14:30Z.
  auto late = tick("2024-01-08T14:20:00Z", 0.5, 2.0);
  WindowStats w = window(late, 0.5, 1.5);
  w.last_price = 1.0;
  w.last_ts = *parse_iso8601("2024-01-08T14:30:00Z");
  const auto f = FeatureBuilder{}(late, w, fam);
  EXPECT_DOUBLE_EQ(f.price, 1.0);
  EXPECT_DOUBLE_EQ(f.price_position, 0.5);  // (1.0 - 0.5) / (1.5 - 0.5)
  EXPECT_DOUBLE_EQ(f.discount_depth, 0.5);  // 1 - 1.0 / 2.0
  EXPECT_NEAR(f.hour_sin, 0.6087614290087209, 1e-12);  // 09:30 local, as at 14:30Z
  const auto r = FeatureBuilder::record(late, w, f, {});
  EXPECT_EQ(r.ts, w.last_ts);
  EXPECT_EQ(r.pool, "us-east-1a/p3.2xlarge/Linux/UNIX");
  EXPECT_EQ(r.family, "p3");
}

TEST(FeatureBuilder, SpotAdvisorBand) {
  const auto advisor = SpotAdvisor::parse(R"({"ranges":[{"index":0,"label":"<5%"},{"index":1,"label":"5-10%"}],
      "spot_advisor":{"us-east-1":{"Linux":{"p3.2xlarge":{"s":70,"r":1}}}}})");
  FamilyStressState fam;
  const FeatureBuilder build(&advisor);
  auto t = tick("2024-01-08T14:30:00Z", 1, 3);
  auto f = build(t, window(t, 1, 1), fam);
  EXPECT_EQ(f.advisor_band, 1);
  EXPECT_EQ(f.advisor_savings_pct, 70);
  // The band's label goes on the published record, from the pool's statics.
  PoolStatics statics;
  auto& group = fam.group(family_key_hash(t.az, "p3"), t.az, "p3");
  f = build(t, window(t, 1, 1), group, FamilyStressState::member(group, t.instance_type, t.product, 0), statics);
  auto r = FeatureBuilder::record(t, window(t, 1, 1), f, {});
  EXPECT_TRUE(r.advisor_band_label.empty());
  FeatureBuilder::describe(r, statics);
  EXPECT_EQ(r.advisor_band_label, "5-10%");
  t.product = "Windows";  // the advisor has no Windows figures here
  EXPECT_EQ(build(t, window(t, 1, 1), fam).advisor_band, -1);
  t = tick("2024-01-08T14:30:00Z", 1, 3, "us-east-1", "us-east-1a", "p3.8xlarge");
  EXPECT_EQ(build(t, window(t, 1, 1), fam).advisor_band, -1);
}
