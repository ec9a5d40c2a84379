#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "src/core/time.hpp"
#include "tests/unit/codec_test_util.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
using spotstream::testing::decode;
using spotstream::testing::Decoded;

namespace {

std::string sample(const char* name) {
  return td::read_file(td::shared_data_dir() / "aws-events" / name);
}

Signal decode_signal_file(const char* name, std::string_view key = {}) {
  auto d = decode(InputKind::Signals, sample(name), key);
  EXPECT_TRUE(d.ok) << name << ": " << d.error.reason << ": " << d.error.detail;
  EXPECT_EQ(d.events.size(), 1u) << name;
  return d.ok ? d.at<Signal>() : Signal{};
}

constexpr TimestampMs kTwoMinutes = 120000;

}  // namespace

TEST(CodecSignal, NthSpotInterruptionWarning) {
  const auto s = decode_signal_file("eventbridge-spot-itn.nth.json");
  EXPECT_EQ(s.kind, SignalKind::Interruption);
  EXPECT_EQ(s.action, InstanceAction::Terminate);
  EXPECT_EQ(s.format, SignalFormat::EventBridge);
  EXPECT_EQ(s.instance_id, "i-0b662ef9931388ba0");
  EXPECT_EQ(s.az, "us-east-1b");  // from the resource ARN
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.event_id, "1e5527d7-bb36-4607-3370-4164db56a40e");
  EXPECT_EQ(s.ts, parse_iso8601("1970-01-01T00:00:00Z"));
  EXPECT_EQ(s.ts, 0);
  EXPECT_EQ(s.action_time, *parse_iso8601("1970-01-01T00:00:00Z") + kTwoMinutes);
}

TEST(CodecSignal, NthRebalanceRecommendation) {
  const auto s = decode_signal_file("eventbridge-rebalance.nth.json");
  EXPECT_EQ(s.kind, SignalKind::Rebalance);
  EXPECT_EQ(s.action, InstanceAction::None);
  EXPECT_EQ(s.format, SignalFormat::EventBridge);
  EXPECT_EQ(s.instance_id, "i-0b662ef9931388ba0");
  EXPECT_EQ(s.az, "us-east-1b");
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.event_id, "5d5555d5-dd55-5555-5555-5555dd55d55d");
  EXPECT_EQ(s.ts, parse_iso8601("2020-10-26T14:14:14Z"));
  EXPECT_EQ(s.action_time, 0);
}

TEST(CodecSignal, KarpenterSpotInterruptionWarningWithRegionArn) {
  const auto s = decode_signal_file("eventbridge-spot-itn.karpenter-design.json");
  EXPECT_EQ(s.kind, SignalKind::Interruption);
  EXPECT_EQ(s.action, InstanceAction::Terminate);
  EXPECT_EQ(s.instance_id, "i-0123456789");
  EXPECT_EQ(s.region, "us-east-2");
  EXPECT_EQ(s.az, "");  // the ARN carries only the region
  EXPECT_EQ(s.event_id, "1e5527d7-bb36-4607-3370-4164db56a40e");
  EXPECT_EQ(s.ts, parse_iso8601("2022-08-11T14:00:00Z"));
  EXPECT_EQ(s.action_time, *parse_iso8601("2022-08-11T14:00:00Z") + kTwoMinutes);
}

TEST(CodecSignal, ImdsInstanceAction) {
  const auto s = decode_signal_file("imds-spot-instance-action.karpenter-design.json", "i-0abc");
  EXPECT_EQ(s.kind, SignalKind::Interruption);
  EXPECT_EQ(s.action, InstanceAction::Terminate);
  EXPECT_EQ(s.format, SignalFormat::ImdsInstanceAction);
  EXPECT_EQ(s.instance_id, "i-0abc");
  EXPECT_EQ(s.action_time, parse_iso8601("2022-07-11T17:11:44Z"));
  EXPECT_EQ(s.ts, *parse_iso8601("2022-07-11T17:11:44Z") - kTwoMinutes);
  EXPECT_EQ(s.region, "");
  EXPECT_EQ(s.az, "");
  EXPECT_EQ(s.event_id, "");
}

TEST(CodecSignal, ImdsRebalance) {
  const auto s = decode_signal_file("imds-rebalance.karpenter-design.json", "i-0def");
  EXPECT_EQ(s.kind, SignalKind::Rebalance);
  EXPECT_EQ(s.action, InstanceAction::None);
  EXPECT_EQ(s.format, SignalFormat::ImdsRebalance);
  EXPECT_EQ(s.instance_id, "i-0def");
  EXPECT_EQ(s.ts, parse_iso8601("2022-07-16T19:18:24Z"));
  EXPECT_EQ(s.action_time, 0);
}

// Every file in aws-events is covered by a test above (signals) or in codec_price_test (the CLI
// example): a new sample fails here until someone checks its values.
TEST(CodecSignal, EveryAwsEventsFileIsCovered) {
  const std::set<std::string> covered = {
      "eventbridge-spot-itn.nth.json", "eventbridge-rebalance.nth.json", "eventbridge-spot-itn.karpenter-design.json",
      "imds-spot-instance-action.karpenter-design.json", "imds-rebalance.karpenter-design.json",
      "describe-spot-price-history.awscli-example.json"};
  std::set<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(td::shared_data_dir() / "aws-events"))
    found.insert(e.path().filename().string());
  EXPECT_EQ(found, covered);
}

TEST(CodecSignal, EventBridgeVariants) {
  // stop / hibernate, ARN with an account, instance id only in the ARN.
  auto d = decode(InputKind::Signals,
                  R"({"version":"0","id":"x1","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",)"
                  R"("account":"1","time":"2024-03-01T10:00:00Z","region":"eu-west-1",)"
                  R"("resources":["arn:aws:ec2:eu-west-1c:123456789012:instance/i-1"],"detail":{"instance-action":"stop"}})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  EXPECT_EQ(d.at<Signal>().action, InstanceAction::Stop);
  EXPECT_EQ(d.at<Signal>().instance_id, "i-1");
  EXPECT_EQ(d.at<Signal>().az, "eu-west-1c");
  EXPECT_EQ(d.at<Signal>().action_time, *parse_iso8601("2024-03-01T10:00:00Z") + kTwoMinutes);

  auto h = decode(InputKind::Signals,
                  R"({"id":"x2","detail-type":"EC2 Spot Instance Interruption Warning","time":"2024-03-01T10:00:00Z",)"
                  R"("detail":{"instance-id":"i-2","instance-action":"hibernate"}})");
  ASSERT_TRUE(h.ok) << h.error.detail;
  EXPECT_EQ(h.at<Signal>().action, InstanceAction::Hibernate);
  EXPECT_EQ(h.at<Signal>().region, "");

  // GovCloud partition and no region field: the region comes from the ARN's AZ.
  auto g = decode(InputKind::Signals,
                  R"({"id":"x3","detail-type":"EC2 Instance Rebalance Recommendation","time":"2024-03-01T10:00:00Z",)"
                  R"("resources":["arn:aws-us-gov:ec2:us-gov-west-1a:instance/i-3"],"detail":{"instance-id":"i-3"}})");
  ASSERT_TRUE(g.ok) << g.error.detail;
  EXPECT_EQ(g.at<Signal>().region, "us-gov-west-1");
  EXPECT_EQ(g.at<Signal>().az, "us-gov-west-1a");

  // A missing instance-action is still an interruption (action unknown), not a DLQ record.
  auto m = decode(InputKind::Signals,
                  R"({"id":"x4","detail-type":"EC2 Spot Instance Interruption Warning","time":"2024-03-01T10:00:00Z",)"
                  R"("region":"us-east-1","detail":{"instance-id":"i-4"}})");
  ASSERT_TRUE(m.ok) << m.error.detail;
  EXPECT_EQ(m.at<Signal>().kind, SignalKind::Interruption);
  EXPECT_EQ(m.at<Signal>().action, InstanceAction::None);
}

TEST(CodecSignal, Canonical) {
  auto d = decode(InputKind::Signals,
                  R"({"ts":"2024-05-05T05:05:05.500Z","kind":"interruption","instance_id":"i-9","action":"terminate",)"
                  R"("action_time":1714885625500,"az":"apse2-az1","event_id":"e-1"})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  const auto& s = d.at<Signal>();
  EXPECT_EQ(s.format, SignalFormat::Canonical);
  EXPECT_EQ(s.kind, SignalKind::Interruption);
  EXPECT_EQ(s.action, InstanceAction::Terminate);
  EXPECT_EQ(s.ts, parse_iso8601("2024-05-05T05:05:05.500Z"));
  EXPECT_EQ(s.action_time, 1714885625500);
  EXPECT_EQ(s.az, "apse2-az1");
  EXPECT_EQ(s.region, "ap-southeast-2");
  EXPECT_EQ(s.event_id, "e-1");

  auto r = decode(InputKind::Signals, R"({"ts":5,"kind":"rebalance","instance_id":"i-8","region":"us-west-2"})");
  ASSERT_TRUE(r.ok) << r.error.detail;
  EXPECT_EQ(r.at<Signal>().kind, SignalKind::Rebalance);
  EXPECT_EQ(r.at<Signal>().action, InstanceAction::None);
  EXPECT_EQ(r.at<Signal>().region, "us-west-2");
  EXPECT_EQ(r.at<Signal>().action_time, 0);
  EXPECT_EQ(r.at<Signal>().ts, 5);
}

TEST(CodecSignal, ImdsStopAndHibernateUseKey) {
  for (auto [action, expected] : {std::pair{"stop", InstanceAction::Stop}, {"hibernate", InstanceAction::Hibernate}}) {
    auto d = decode(InputKind::Signals, std::string(R"({"action":")") + action + R"(","time":"2022-07-11T17:11:44Z"})",
                    "i-777");
    ASSERT_TRUE(d.ok) << d.error.detail;
    EXPECT_EQ(d.at<Signal>().action, expected);
    EXPECT_EQ(d.at<Signal>().instance_id, "i-777");
  }
}
