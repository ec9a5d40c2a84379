// The shipped on-demand catalogue (data/on-demand-prices.json, compiled in): published prices for
// a few anchors, the invariants later code (rightsizing, discount features) relies on, and the
// refusal of broken catalogue files.
#include "src/model/on_demand_catalog.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace spotstream {
namespace {

std::optional<double> on_demand_price(std::string_view region, std::string_view type) {
  return OnDemandCatalog::builtin()->price(region, type);
}
const InstanceSpec* find_instance(std::string_view type) { return OnDemandCatalog::builtin()->find(type); }

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

TEST(OnDemandPrices, EachRegionPricesWholeFamiliesAndSizesAscend) {
  const auto catalog = OnDemandCatalog::builtin();
  const auto families = catalog->families();
  EXPECT_EQ(families, (std::vector<std::string>{"c5", "m5", "m6i", "r5", "m6g", "p2", "p3", "c6i", "r6i", "c6g", "r6g"}));
  EXPECT_EQ(catalog->regions(), (std::vector<std::string>{"eu-west-1", "us-east-1", "us-east-2", "us-west-2"}));
  EXPECT_FALSE(catalog->source().empty());
  EXPECT_EQ(catalog->as_of(), "2025-01");
  for (const auto& f : families) {
    const auto sizes = catalog->family_sizes(f);
    ASSERT_GE(sizes.size(), 3u) << f;
    for (const auto& region : catalog->regions()) {
      // A region prices a family's every size or none of them.
      if (!on_demand_price(region, sizes.front().type)) continue;
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

TEST(OnDemandPrices, NewerFamiliesAtTheirPublishedRates) {
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "c6i.large").value(), 0.085);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-2", "r6i.large").value(), 0.126);
  EXPECT_DOUBLE_EQ(on_demand_price("us-west-2", "c6g.large").value(), 0.068);
  EXPECT_DOUBLE_EQ(on_demand_price("us-east-1", "r6g.large").value(), 0.1008);
  EXPECT_FALSE(on_demand_price("eu-west-1", "c6g.large").has_value());  // not in the catalogue: unknown, not guessed
}

TEST(OnDemandCatalogFile, RefusesWhatIsNotACatalogue) {
  EXPECT_THROW(OnDemandCatalog::parse("not json"), std::runtime_error);
  EXPECT_THROW(OnDemandCatalog::parse(R"({"prices": {}})"), std::runtime_error);
  EXPECT_THROW(OnDemandCatalog::parse(R"({"instance_types": {}, "prices": {}})"), std::runtime_error);  // no price
  const std::string hw = R"("instance_types": {"c5.large": {"family": "c5", "vcpu": 2, "memory_gib": 4}})";
  EXPECT_THROW(OnDemandCatalog::parse("{" + hw + R"(, "prices": {"us-east-1": {"c5.large": -1}}})"), std::runtime_error);
  EXPECT_THROW(OnDemandCatalog::parse("{" + hw + R"(, "prices": {"us-east-1": {"c5.xlarge": 0.17}}})"),
               std::runtime_error);  // a price for a type with no hardware
  const auto c = OnDemandCatalog::parse("{" + hw + R"(, "prices": {"ap-south-1": {"c5.large": 0.0425}}})");
  EXPECT_DOUBLE_EQ(c.price("ap-south-1", "c5.large").value(), 0.0425);
  EXPECT_FALSE(c.price("us-east-1", "c5.large").has_value());
  EXPECT_EQ(c.find("c5.large")->arch, "x86_64");
}

TEST(OnDemandCatalogFile, TheShippedFileIsTheCompiledInOne) {
  const auto shipped = OnDemandCatalog::load_file(std::string(SPOTSTREAM_SOURCE_DIR) + "/data/on-demand-prices.json");
  const auto builtin = OnDemandCatalog::builtin();
  ASSERT_EQ(shipped.prices(), builtin->prices());
  for (const auto& region : shipped.regions())
    for (const auto& family : shipped.families())
      for (const auto& size : shipped.family_sizes(family))
        EXPECT_EQ(shipped.price(region, size.type), builtin->price(region, size.type)) << region << " " << size.type;
}

}  // namespace
}  // namespace spotstream
