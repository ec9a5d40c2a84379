#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/core/time.hpp"
#include "tests/unit/codec_test_util.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
using spotstream::testing::decode;

TEST(CodecFleet, JoinWithEverything) {
  auto d = decode(InputKind::Fleet,
                  R"({"ts":"2024-01-02T03:04:05Z","action":"join","fleet":"prod-eks","node_id":"ip-10-0-0-1.ec2.internal",)"
                  R"("instance_id":"i-0aa","az":"us-east-1c","region":"us-east-1","instance_type":"m6i.2xlarge",)"
                  R"("product":"Linux/UNIX","vcpu":8,"memory_gib":32.5,"arch":"x86_64"})");
  ASSERT_TRUE(d.ok) << d.error.reason << ": " << d.error.detail;
  const auto& f = d.at<FleetEvent>();
  EXPECT_EQ(f.action, FleetAction::Join);
  EXPECT_EQ(f.ts, parse_iso8601("2024-01-02T03:04:05Z"));
  EXPECT_EQ(f.fleet, "prod-eks");
  EXPECT_EQ(f.node_id, "ip-10-0-0-1.ec2.internal");
  EXPECT_EQ(f.instance_id, "i-0aa");
  EXPECT_EQ(f.az, "us-east-1c");
  EXPECT_EQ(f.region, "us-east-1");
  EXPECT_EQ(f.instance_type, "m6i.2xlarge");
  EXPECT_EQ(f.product, "Linux/UNIX");
  EXPECT_EQ(f.vcpu, 8);
  EXPECT_EQ(f.memory_gib, 32.5);
  EXPECT_EQ(f.arch, "x86_64");
}

TEST(CodecFleet, JoinDefaults) {
  auto d = decode(InputKind::Fleet, R"({"ts":1700000000000,"action":"join","node_id":"n1","instance_id":"i-1",)"
                                    R"("az":"usw2-az1","instance_type":"c7g.large"})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  const auto& f = d.at<FleetEvent>();
  EXPECT_EQ(f.fleet, "default");
  EXPECT_EQ(f.product, "Linux/UNIX");
  EXPECT_EQ(f.region, "us-west-2");
  EXPECT_EQ(f.vcpu, 0);
  EXPECT_EQ(f.memory_gib, 0);
  EXPECT_EQ(f.arch, "");
  EXPECT_EQ(f.ts, 1700000000000);
}

TEST(CodecFleet, LeaveNeedsNoPool) {
  auto d = decode(InputKind::Fleet, R"({"ts":"2024-01-02T03:04:05Z","action":"leave","node_id":"n1","instance_id":"i-1"})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  const auto& f = d.at<FleetEvent>();
  EXPECT_EQ(f.action, FleetAction::Leave);
  EXPECT_EQ(f.az, "");
  EXPECT_EQ(f.region, "");
  EXPECT_EQ(f.instance_type, "");
  EXPECT_EQ(f.product, "Linux/UNIX");

  auto withaz = decode(InputKind::Fleet, R"({"ts":1,"action":"leave","node_id":"n1","instance_id":"i-1","az":"eu-west-1a"})");
  ASSERT_TRUE(withaz.ok) << withaz.error.detail;
  EXPECT_EQ(withaz.at<FleetEvent>().region, "eu-west-1");
}

TEST(CodecFleet, JoinRequiresPool) {
  auto noaz = decode(InputKind::Fleet, R"({"ts":1,"action":"join","node_id":"n","instance_id":"i","instance_type":"m5.large"})");
  EXPECT_FALSE(noaz.ok);
  EXPECT_EQ(noaz.error.reason, dlq::kMissingField);
  EXPECT_NE(noaz.error.detail.find("'az'"), std::string::npos);
  auto notype = decode(InputKind::Fleet, R"({"ts":1,"action":"join","node_id":"n","instance_id":"i","az":"us-east-1a"})");
  EXPECT_FALSE(notype.ok);
  EXPECT_EQ(notype.error.reason, dlq::kMissingField);
  EXPECT_NE(notype.error.detail.find("instance_type"), std::string::npos);
}

// An instance type must parse as <family>.<size> with a real size: "zz9.mega" is refused; a
// well-formed type no catalogue knows yet ("zz9.large") is the pipeline's to count and warn about.
TEST(CodecFleet, InstanceTypeMustBeFamilyDotSize) {
  auto join = [](const std::string& type) {
    return decode(InputKind::Fleet, R"({"ts":1,"action":"join","node_id":"n","instance_id":"i","az":"us-east-1a",)"
                                    R"("instance_type":")" + type + R"("})");
  };
  for (const char* bad : {"zz9.mega", "c5.hugexlarge", "c5.xlargex", "c5.metal-xl", "5c.large", "c.large", "c5..large",
                          "c5.large.x", "C5.large", "c5"}) {
    const auto d = join(bad);
    EXPECT_FALSE(d.ok) << bad;
    EXPECT_EQ(d.error.reason, dlq::kBadValue) << bad;
    EXPECT_NE(d.error.detail.find("not an EC2 instance type"), std::string::npos) << d.error.detail;
  }
  for (const char* good : {"zz9.large", "c5.large", "t4g.nano", "m7i-flex.2xlarge", "u-6tb1.112xlarge", "c7i.metal-24xl",
                           "mac2-m2pro.metal", "x2iedn.32xlarge"}) {
    const auto d = join(good);
    EXPECT_TRUE(d.ok) << good << ": " << d.error.detail;
  }
}

// Every instance type in the real Spot Advisor file (929 of them) passes the check.
TEST(CodecFleet, EveryRealInstanceTypeIsWellFormed) {
  const auto text = td::read_file(td::shared_data_dir() / "spot-advisor" / "spot-advisor-data.json");
  ASSERT_FALSE(text.empty());
  const auto j = nlohmann::json::parse(text);
  std::size_t n = 0;
  for (const auto& [type, _] : j.at("instance_types").items()) {
    const auto d = decode(InputKind::Fleet, R"({"ts":1,"action":"join","node_id":"n","instance_id":"i","az":"us-east-1a",)"
                                            R"("instance_type":")" + type + R"("})");
    EXPECT_TRUE(d.ok) << type << ": " << d.error.detail;
    ++n;
  }
  EXPECT_GT(n, 900u);
}
