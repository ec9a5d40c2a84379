// Spot Advisor loader: entries of the real file (../shared/data) against values read from it
// independently with Python, and null / malformed / unknown entries on small documents.
#include <gtest/gtest.h>

#include <stdexcept>

#include "src/model/spot_advisor.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;

namespace {

const SpotAdvisor& real() {
  static const SpotAdvisor a = SpotAdvisor::load_file(td::shared_data_dir() / "spot-advisor" / "spot-advisor-data.json");
  return a;
}

void expect_entry(std::string_view region, std::string_view os, std::string_view type, int band, const char* label,
                  int savings) {
  const auto e = real().lookup(region, os, type);
  ASSERT_TRUE(e) << region << " " << os << " " << type;
  EXPECT_EQ(e->band, band) << type;
  EXPECT_EQ(e->band_label, label) << type;
  EXPECT_EQ(e->savings_pct, savings) << type;
}

}  // namespace

TEST(SpotAdvisor, RealFileEntries) {
  // python3 -c "import json; d=json.load(open('spot-advisor-data.json')); print(d['spot_advisor'][R][OS][T])"
  expect_entry("us-east-1", "Linux", "p3.2xlarge", 4, ">20%", 80);
  expect_entry("us-east-1", "Linux", "m5.large", 3, "15-20%", 66);
  expect_entry("us-east-1", "Linux", "m6g.large", 2, "10-15%", 60);
  expect_entry("eu-west-1", "Linux", "c5.xlarge", 0, "<5%", 51);
  expect_entry("eu-west-1", "Linux", "p3.16xlarge", 4, ">20%", 55);
  expect_entry("ap-south-1", "Linux", "c5.large", 2, "10-15%", 62);
  expect_entry("us-west-2", "Windows", "m5.xlarge", 1, "5-10%", 37);
  // 33 regions, 25,323 entries over Linux and Windows (data/README.md, and counted in Python).
  EXPECT_EQ(real().size(), 25323u);
  EXPECT_EQ(real().band_labels(), (std::vector<std::string>{"<5%", "5-10%", "10-15%", "15-20%", ">20%"}));
}

TEST(SpotAdvisor, UnknownRegionsTypesAndOses) {
  EXPECT_FALSE(real().lookup("mars-north-1", "Linux", "m5.large"));
  EXPECT_FALSE(real().lookup("us-east-1", "Linux", "m5.huge"));
  EXPECT_FALSE(real().lookup("us-east-1", "RHEL", "m5.large"));
  EXPECT_FALSE(real().lookup("ca-west-1", "Linux", "p2.xlarge"));  // not offered there
  EXPECT_FALSE(real().lookup("us-east-1", "Linux/UNIX", "m5.large"));  // OS as the advisor spells it
}

TEST(SpotAdvisor, NullAndMalformedEntriesAreSkipped) {
  const auto a = SpotAdvisor::parse(R"({
    "ranges": [{"index": 1, "label": "5-10%"}, {"index": 0, "label": "<5%"}],
    "spot_advisor": {
      "eu-west-1": {"Linux": {"a.large": {"s": 40, "r": 1}, "b.large": null, "c.large": {"s": 40},
                              "d.large": {"s": 40, "r": 7}, "e.large": {"s": null, "r": 0}, "f.large": {"s": 9, "r": 0}},
                    "Windows": null},
      "eu-west-2": null
    }})");
  EXPECT_EQ(a.size(), 2u);
  const auto e = a.lookup("eu-west-1", "Linux", "a.large");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->band, 1);
  EXPECT_EQ(e->band_label, "5-10%");  // by the range's own index, not its place in the array
  EXPECT_EQ(e->savings_pct, 40);
  EXPECT_EQ(a.lookup("eu-west-1", "Linux", "f.large")->band_label, "<5%");
  for (const char* t : {"b.large", "c.large", "d.large", "e.large"}) EXPECT_FALSE(a.lookup("eu-west-1", "Linux", t)) << t;
  EXPECT_FALSE(a.lookup("eu-west-1", "Windows", "a.large"));
  EXPECT_FALSE(a.lookup("eu-west-2", "Linux", "a.large"));
}

TEST(SpotAdvisor, RejectsWhatIsNotAnAdvisorFile) {
  EXPECT_THROW(SpotAdvisor::parse("not json"), std::runtime_error);
  EXPECT_THROW(SpotAdvisor::parse(R"({"spot_advisor": {}})"), std::runtime_error);
  EXPECT_THROW(SpotAdvisor::parse(R"({"ranges": [{"label": "<5%"}], "spot_advisor": {}})"), std::runtime_error);
  EXPECT_THROW(SpotAdvisor::load_file(td::shared_data_dir() / "no-such-file.json"), std::runtime_error);
}

TEST(SpotAdvisor, OsOfProduct) {
  EXPECT_EQ(SpotAdvisor::os_of_product("Linux/UNIX"), "Linux");
  EXPECT_EQ(SpotAdvisor::os_of_product("Linux/UNIX (Amazon VPC)"), "Linux");
  EXPECT_EQ(SpotAdvisor::os_of_product("Windows (Amazon VPC)"), "Windows");
  EXPECT_FALSE(SpotAdvisor::os_of_product("Red Hat Enterprise Linux"));
}
