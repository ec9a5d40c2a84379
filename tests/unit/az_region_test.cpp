#include <gtest/gtest.h>

#include "src/codec/az_region.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;

TEST(AzRegion, AzNames) {
  EXPECT_EQ(region_of_az("us-east-1a"), "us-east-1");
  EXPECT_EQ(region_of_az("us-east-2c"), "us-east-2");
  EXPECT_EQ(region_of_az("eu-central-1b"), "eu-central-1");
  EXPECT_EQ(region_of_az("ap-southeast-2c"), "ap-southeast-2");
  EXPECT_EQ(region_of_az("ap-northeast-3a"), "ap-northeast-3");
  EXPECT_EQ(region_of_az("us-gov-west-1a"), "us-gov-west-1");
  EXPECT_EQ(region_of_az("us-gov-east-1b"), "us-gov-east-1");
  EXPECT_EQ(region_of_az("cn-north-1a"), "cn-north-1");
  EXPECT_EQ(region_of_az("cn-northwest-1b"), "cn-northwest-1");
  EXPECT_EQ(region_of_az("us-iso-east-1a"), "us-iso-east-1");
}

TEST(AzRegion, LocalAndWavelengthZones) {
  EXPECT_EQ(region_of_az("us-west-2-lax-1a"), "us-west-2");
  EXPECT_EQ(region_of_az("us-west-2-lax-1b"), "us-west-2");
  EXPECT_EQ(region_of_az("us-east-1-bos-1a"), "us-east-1");
  EXPECT_EQ(region_of_az("us-east-1-mia-2a"), "us-east-1");
  EXPECT_EQ(region_of_az("us-east-1-wl1-bos-wlz-1"), "us-east-1");
  EXPECT_EQ(region_of_az("ap-northeast-1-wl1-nrt-wlz-1"), "ap-northeast-1");
  EXPECT_EQ(region_of_az("eu-west-2-wl1-lon-wlz-1"), "eu-west-2");
}

TEST(AzRegion, AzIds) {
  const std::pair<const char*, const char*> cases[] = {
      {"use1-az2", "us-east-1"},    {"use2-az3", "us-east-2"},       {"usw1-az1", "us-west-1"},
      {"usw2-az4", "us-west-2"},    {"euc1-az3", "eu-central-1"},    {"euw1-az1", "eu-west-1"},
      {"euw2-az2", "eu-west-2"},    {"euw3-az1", "eu-west-3"},       {"eun1-az1", "eu-north-1"},
      {"eus1-az1", "eu-south-1"},   {"aps1-az1", "ap-south-1"},      {"apse1-az2", "ap-southeast-1"},
      {"apse2-az1", "ap-southeast-2"}, {"apne1-az4", "ap-northeast-1"}, {"apne2-az1", "ap-northeast-2"},
      {"apne3-az3", "ap-northeast-3"}, {"sae1-az1", "sa-east-1"},    {"cac1-az1", "ca-central-1"},
      {"afs1-az1", "af-south-1"},   {"mes1-az1", "me-south-1"},      {"usgw1-az1", "us-gov-west-1"},
      {"usge1-az2", "us-gov-east-1"}, {"cnn1-az1", "cn-north-1"},    {"cnnw1-az2", "cn-northwest-1"},
      {"ilc1-az1", "il-central-1"}, {"use1-az10", "us-east-1"},
      {"usw2-lax1-az1", "us-west-2"}, {"use1-wl1-bos-wlz1", "us-east-1"},
  };
  for (auto [id, region] : cases) EXPECT_EQ(region_of_az(id), region) << id;
}

// Every region in AWS's Spot Advisor file is a region name, and its "a" zone maps back to it.
TEST(AzRegion, EverySpotAdvisorRegion) {
  const auto text = td::read_file(td::shared_data_dir() / "spot-advisor" / "spot-advisor-data.json");
  ASSERT_FALSE(text.empty());
  const auto start = text.find("\"spot_advisor\"");
  ASSERT_NE(start, std::string::npos);
  int regions = 0;
  for (std::string_view r : {"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
                             "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
                             "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-central-1",
                             "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
                             "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
                             "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"}) {
    EXPECT_NE(text.find("\"" + std::string(r) + "\""), std::string::npos) << r;
    EXPECT_TRUE(is_region_name(r)) << r;
    EXPECT_EQ(region_of_az(std::string(r) + "a"), r);
    EXPECT_FALSE(region_of_az(r).has_value()) << r << " is a region, not an AZ";
    ++regions;
  }
  EXPECT_EQ(regions, 33);
}

TEST(AzRegion, RejectsUnknownShapes) {
  for (const char* s :
       {"", "us-east-1", "us-east", "US-EAST-1A", "us-east-1ab", "us-east-1a ", " us-east-1a", "us-middle-1a",
        "u-east-1a", "use-east-1a", "us-east-a", "us-east-1-lax", "us-east-1-lax-1", "us-east-1-lax-a",
        "us-east-1-wl1-bos-wlz", "us-east-1-wl-bos-wlz-1", "us--east-1a", "us-east-1a-", "use1-az", "use1-az2x",
        "xyz1-az1", "use1", "use1-", "use1-bz2", "use1-lax-az1", "a-b-c-d-e-f-g-h-i-j", "us-gov-1a", "foo",
        "us-east-1\na", "arn:aws:ec2:us-east-1a"})
    EXPECT_FALSE(region_of_az(s).has_value()) << '"' << s << '"';
}

TEST(AzRegion, RegionNames) {
  for (const char* s : {"us-east-1", "eu-central-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
                        "ap-southeast-5", "mx-central-1", "us-isob-east-1"})
    EXPECT_TRUE(is_region_name(s)) << s;
  for (const char* s : {"", "us-east-1a", "use1-az2", "us-east", "us-east-1 ", "US-EAST-1", "us-gov-1",
                        "us-east-x", "us-west-2-lax-1a", "useast1", "us-sideways-1"})
    EXPECT_FALSE(is_region_name(s)) << '"' << s << '"';
}
