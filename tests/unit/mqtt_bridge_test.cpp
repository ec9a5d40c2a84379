// The MQTT bridge's parts that need no broker: what a message on a signal topic is (the real
// IMDS bodies of ../shared/data/aws-events, times worked out by hand), the settings it refuses,
// and the decision buffer's bound. The broker end to end: tests/integration/test_mqtt_bridge.py.
#include <gtest/gtest.h>

#include "src/codec/dlq_reason.hpp"
#include "src/core/time.hpp"
#include "src/mqtt/decision_mirror.hpp"
#include "src/mqtt/mqtt_settings.hpp"
#include "src/mqtt/signal_topics.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;

namespace {

std::string aws_event(const std::string& name) {
  return spotstream::testing::read_file(spotstream::testing::shared_data_dir() / "aws-events" / name);
}

const std::vector<std::string> kDefaultFilters = {"spot/signals/+/instance-action", "spot/signals/+/rebalance"};

}  // namespace

TEST(MqttSignalTopics, TheRealImdsBodiesAreSignalsForTheInstanceTheTopicNames) {
  SignalTopics topics(kDefaultFilters, DecodeLimits{});
  // {"action": "terminate", "time": "2022-07-11T17:11:44Z"}: the notice came two minutes before.
  auto v = topics.check("spot/signals/i-0abc/instance-action", aws_event("imds-spot-instance-action.karpenter-design.json"));
  ASSERT_TRUE(v.ok) << v.error.detail;
  EXPECT_EQ(v.instance_id, "i-0abc");
  EXPECT_EQ(v.ts, *parse_iso8601("2022-07-11T17:09:44Z"));
  // {"noticeTime": "2022-07-16T19:18:24Z"}
  v = topics.check("spot/signals/i-0abc/rebalance", aws_event("imds-rebalance.karpenter-design.json"));
  ASSERT_TRUE(v.ok) << v.error.detail;
  EXPECT_EQ(v.ts, *parse_iso8601("2022-07-16T19:18:24Z"));
  // The canonical shape, for the same instance.
  v = topics.check("spot/signals/i-0abc/rebalance",
                   R"({"ts":"2025-01-01T00:00:00Z","kind":"rebalance","instance_id":"i-0abc"})");
  EXPECT_TRUE(v.ok) << v.error.detail;
}

TEST(MqttSignalTopics, WhatIsNoSignalForItsTopicSaysWhy) {
  SignalTopics topics(kDefaultFilters, DecodeLimits{});
  auto v = topics.check("spot/signals/i-0abc/instance-action", aws_event("imds-rebalance.karpenter-design.json"));
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error.reason, dlq::kBadValue);
  EXPECT_EQ(v.instance_id, "i-0abc");
  v = topics.check("spot/signals/i-0abc/instance-action", "{not json");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error.reason, dlq::kMalformedJson);
  // A canonical signal for another instance than the topic's.
  v = topics.check("spot/signals/i-0abc/rebalance",
                   R"({"ts":"2025-01-01T00:00:00Z","kind":"rebalance","instance_id":"i-other"})");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error.reason, dlq::kBadValue);
  // A topic no filter matches, or with an empty instance level.
  for (const char* topic : {"spot/other/i-0abc/rebalance", "spot/signals//rebalance", "spot/signals/i-0abc"}) {
    v = topics.check(topic, aws_event("imds-rebalance.karpenter-design.json"));
    EXPECT_FALSE(v.ok) << topic;
    EXPECT_EQ(v.error.reason, dlq::kMissingInstanceId) << topic;
  }
  // A filter whose last level names no kind takes either.
  SignalTopics any({"agents/+/spot"}, DecodeLimits{});
  EXPECT_TRUE(any.check("agents/i-1/spot", aws_event("imds-rebalance.karpenter-design.json")).ok);
  EXPECT_TRUE(any.check("agents/i-1/spot", aws_event("imds-spot-instance-action.karpenter-design.json")).ok);
}

TEST(MqttSettings, RefusesWhatCannotWork) {
  Config cfg;
  cfg.set("mqtt.host", "127.0.0.1");
  const auto s = MqttSettings::from(cfg);
  EXPECT_EQ(s.subscription("spot/signals/+/rebalance"), "$share/spotstream/spot/signals/+/rebalance");
  EXPECT_EQ(s.decision_topic("n-1"), "spot/decisions/n-1");
  EXPECT_EQ(s.signal_topics, kDefaultFilters);
  EXPECT_EQ(s.client_id.rfind("spotstream-", 0), 0u);
  for (const char* bad : {"spot/signals/#", "spot/signals/instance-action", "spot/+/+/rebalance"}) {
    Config c = cfg;
    c.set("mqtt.signal_topics", bad);
    EXPECT_THROW(MqttSettings::from(c), ConfigError) << bad;
  }
  Config cert = cfg;
  cert.set("mqtt.tls_cert_file", "/etc/hostname");
  EXPECT_THROW(MqttSettings::from(cert), ConfigError);  // no key
  Config missing = cfg;
  missing.set("mqtt.tls_ca_file", "/no/such/ca.pem");
  EXPECT_THROW(MqttSettings::from(missing), ConfigError);
  Config shared = cfg;
  shared.set("mqtt.share_group", "");
  EXPECT_EQ(MqttSettings::from(shared).subscription("a/+/b"), "a/+/b");
  EXPECT_NE(s.describe().find("127.0.0.1:1883"), std::string::npos);
}

TEST(MqttDecisionMirror, HoldsAtMostTheBufferDroppingTheOldest) {
  Config cfg;
  cfg.set("mqtt.host", "127.0.0.1");
  cfg.set("mqtt.buffer_max", "3");
  MqttMetrics metrics;
  DecisionMirror mirror(MqttSettings::from(cfg), metrics);  // never started: the broker is away
  for (int i = 0; i < 5; ++i) mirror.on_stored(OutputTopic::Decisions, "n-" + std::to_string(i), "{}", i);
  mirror.on_stored(OutputTopic::Risk, "pool", "{}", 9);  // only decisions are mirrored
  EXPECT_EQ(metrics.buffered.get(), 3);
  EXPECT_EQ(metrics.decisions_dropped.get(), 2u);
  EXPECT_EQ(metrics.decisions_out.get(), 0u);
}
