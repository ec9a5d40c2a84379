// The shipped on-demand table: published prices for a few anchors, and the invariants later code
// (rightsizing, discount features) relies on.
#include "src/feed/on_demand_prices.hpp"

#include <gtest/gtest.h>

namespace spotstream {
namespace {

TEST(OnDemandPrices, KnownPublishedPrices) {
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "c5.large").value(), 0.085);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "c5.9xlarge").value(), 1.53);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "m5.24xlarge").value(), 4.608);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "r5.large").value(), 0.126);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "m6g.medium").value(), 0.0385);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "p3.2xlarge").value(), 3.06);
  EXPECT_DOUBLE_EQ(on_demand_price("us-west-2", "p3.16xlarge").value(), 24.48);
  EXPECT_DOUBLE_EQ(on_demand_price("eu-west-1", "m5.large").value(), 0.107);
  EXPECT_DOUBLE_EQ(on_demand_price("eu-west-1", "p3.2xlarge").value(), 3.305);
  // AWS's published p2 rates; the real price histories hold pools pinned at exactly these.
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "p2.xlarge").value(), 0.9);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "p2.8xlarge").value(), 7.2);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "p2.16xlarge").value(), 14.4);
  EXPECT_DOUBLE_EQ(on_demand_price("eu-west-1", "p3.8xlarge").value(), 13.22);
  EXPECT_DOUBLE_EQ(on_demand_price("eu-west-1", "p3.16xlarge").value(), 26.44);
  EXPECT_FALSE(on_demand_price("eu-west-1", "x9.large").has_value());
  EXPECT_FALSE(on_demand_price("mars-north-1", "c5.large").has_value());
}

TEST(OnDemandPrices, EveryRegionPricesEveryTypeAndSizesAscend) {
  const auto families = catalog_families();
  EXPECT_EQ(families, (std::vector<std::string>{"c5", "m5", "m6i", "r5", "m6g", "p2", "p3"}));
  for (const auto& f : families) {
    const auto sizes = family_sizes(f);
    ASSERT_GE(sizes.size(), 3u) << f;
    for (const auto& region : on_demand_regions()) {
      double prev = 0;
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        const auto p = on_demand_price(region, sizes[i].type);
        ASSERT_TRUE(p.has_value()) << region << " " << sizes[i].type;
        EXPECT_GT(*p, prev) << region << " " << sizes[i].type;
        if (i > 0) {
          EXPECT_GT(sizes[i].vcpu, sizes[i - 1].vcpu) << sizes[i].type;
        }
        prev = *p;
      }
    }
  }
  ASSERT_NE(find_instance("m6g.xlarge"), nullptr);
  EXPECT_EQ(find_instance("m6g.xlarge")->arch, "arm64");
  EXPECT_EQ(find_instance("r5.2xlarge")->memory_gib, 64);
  EXPECT_EQ(find_instance("c5.metal"), nullptr);
}

}  // namespace
}  // namespace spotstream
