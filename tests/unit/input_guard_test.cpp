// Hostile input at the source, end to end through the embedded broker: a tick from a bad producer
// clock must not poison its partition, messages removed by retention before they were read are
// counted and make the run fail, a well-formed but unknown instance type is taken and counted,
// and a message too large for the broker is refused when it is produced.
#include <gtest/gtest.h>

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <string>

#include "src/codec/json_encoder.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_conf.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

class InputGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
      cluster_->create_topic(base_.get_string(t), 1);
    base_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    base_.set("log.level", "warn");
    base_.set("consumer.group", "guard");
    base_.set("runtime.idle_exit_ms", "500");
  }

  static std::string tick(const std::string& ts, double price = 0.031) {
    return R"({"ts":")" + ts + R"(","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":)" +
           std::to_string(price) + "}";
  }
  void publish(const std::string& topic, const std::string& key, const std::string& value) {
    EventPublisher pub(base_);
    pub.publish_raw(base_.get_string(topic), key, value, 0);
    pub.flush();
  }
  int run(ProcessMetrics& m) {
    std::atomic<bool> stop{false};
    Pipeline p(base_, live_topology(base_), m, kafka_io(base_));
    return p.run(stop);
  }
  std::vector<DeadLetter> dead_letters() const {
    std::vector<DeadLetter> out;
    for (const auto& r : read_topic(base_, base_.get_string("topics.dlq")))
      if (auto d = decode_dead_letter(r.value)) out.push_back(d->letter);
    return out;
  }
  //! The low watermark of `topic`'s partition 0, asked of the broker directly.
  std::int64_t log_start(const std::string& topic) const {
    auto conf = make_kafka_conf(base_, ClientRole::Consumer, {{"group.id", "guard-probe"}});
    std::string err;
    std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
    std::int64_t low = -1, high = -1;
    EXPECT_EQ(c->query_watermark_offsets(topic, 0, &low, &high, 10000), RdKafka::ERR_NO_ERROR);
    c->close();
    return low;
  }

  Config base_;
  std::unique_ptr<EmbeddedCluster> cluster_;
};

}  // namespace

// A tick dated 2099 (a bad producer clock) is dead-lettered as `ahead` with its bytes and does not
// move the partition's watermark, so the correct ticks after it are taken, not dead-lettered as
// late; so is a tick more than window.max_ahead_ms ahead of its partition's latest tick.
TEST_F(InputGuard, AFarFutureTickDoesNotBlockItsPartition) {
  const std::string future = tick("2099-12-31T00:00:00Z");
  const std::string jump = tick("2025-01-20T10:00:00Z");  // 19 days ahead of its partition
  publish("topics.prices", "us-east-1a/c5", tick("2025-01-01T10:00:00Z"));
  publish("topics.prices", "us-east-1a/c5", future);
  publish("topics.prices", "us-east-1a/c5", jump);
  publish("topics.prices", "us-east-1a/c5", tick("2025-01-01T10:05:00Z"));
  publish("topics.prices", "us-east-1a/c5", tick("2025-01-01T10:10:00Z"));
  ProcessMetrics m;
  EXPECT_EQ(run(m), 0);
  EXPECT_EQ(m.messages_in.get(), 5u);
  EXPECT_EQ(m.prices_in.get(), 3u);
  EXPECT_EQ(m.dlq.get("ahead"), 2u);
  EXPECT_EQ(m.dlq.get("late"), 0u);
  const auto dlq = dead_letters();
  ASSERT_EQ(dlq.size(), 2u);
  EXPECT_EQ(dlq[0].reason, "ahead");
  EXPECT_EQ(dlq[0].payload, future);
  EXPECT_EQ(dlq[0].source.offset, 1);
  EXPECT_NE(dlq[0].detail.find("ahead of the clock"), std::string::npos) << dlq[0].detail;
  EXPECT_EQ(dlq[1].payload, jump);
  EXPECT_EQ(dlq[1].source.offset, 2);
}

// A signal or join from a clock far ahead is refused too; within the skew allowed it is taken.
TEST_F(InputGuard, EventsAheadOfTheClockAreRefused) {
  base_.set("window.max_ahead_of_clock_ms", "60000");
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto join = [](TimestampMs ts, const std::string& id) {
    return R"({"ts":)" + std::to_string(ts) + R"(,"action":"join","node_id":")" + id + R"(","instance_id":")" + id +
           R"(","az":"us-east-1a","instance_type":"c5.large"})";
  };
  publish("topics.fleet", "i-1", join(now + 3'600'000, "i-1"));  // an hour ahead
  publish("topics.fleet", "i-2", join(now + 10'000, "i-2"));     // 10 s ahead: skew
  ProcessMetrics m;
  EXPECT_EQ(run(m), 0);
  EXPECT_EQ(m.fleet_in.get(), 1u);
  EXPECT_EQ(m.dlq.get("ahead"), 1u);
}

// The consumer's committed offset is gone: the broker removed the messages after it (retention:
// the embedded broker keeps about 5 MiB per partition) before they were read. The restart's offset
// reset skips them; they are counted as lost, logged, and the run exits with the data-lost status.
TEST_F(InputGuard, MessagesRemovedBeforeTheyWereReadAreCountedAsLost) {
  const std::string prices = base_.get_string("topics.prices");
  for (int i = 0; i < 5; ++i) publish("topics.prices", "us-east-1a/c5", tick("2025-01-01T10:0" + std::to_string(i) + ":00Z"));
  ProcessMetrics first;
  ASSERT_EQ(run(first), 0);
  EXPECT_EQ(first.messages_lost.get(), 0u);
  // About 7 MB of incompressible payloads (dead-lettered when read) push the first messages out.
  {
    EventPublisher pub(base_);
    std::mt19937 rng(7);
    std::string junk(100'000, ' ');
    for (int i = 0; i < 70; ++i) {
      for (auto& ch : junk) ch = static_cast<char>('a' + rng() % 26);
      pub.publish_raw(prices, "us-east-1a/c5", junk, 0);
    }
    pub.flush();
  }
  const std::int64_t start = log_start(prices);
  ASSERT_GT(start, 5) << "the broker kept everything: nothing to lose";
  ProcessMetrics second;
  EXPECT_EQ(run(second), Pipeline::kExitDataLost);
  EXPECT_EQ(second.messages_lost.get(), static_cast<std::uint64_t>(start - 5));
  EXPECT_EQ(second.messages_in.get(), static_cast<std::uint64_t>(75 - start));  // what was left, all read
  EXPECT_NE(second.to_json().find("\"messages_lost\":" + std::to_string(start - 5)), std::string::npos);
}

// A well-formed type no catalogue knows joins (STAY) and is counted; a malformed one is a dead letter.
TEST_F(InputGuard, UnknownInstanceTypesAreCountedMalformedOnesRefused) {
  auto join = [](const std::string& id, const std::string& type) {
    return R"({"ts":"2025-01-01T10:00:00Z","action":"join","node_id":")" + id + R"(","instance_id":")" + id +
           R"(","az":"us-east-1a","instance_type":")" + type + R"("})";
  };
  publish("topics.fleet", "i-new", join("i-new", "zz9.large"));
  publish("topics.fleet", "i-bad", join("i-bad", "zz9.mega"));
  publish("topics.fleet", "i-old", join("i-old", "c5.large"));
  ProcessMetrics m;
  EXPECT_EQ(run(m), 0);
  EXPECT_EQ(m.fleet_in.get(), 2u);
  EXPECT_EQ(m.unknown_instance_types.get(), 1u);
  EXPECT_EQ(m.dlq.get("bad_value"), 1u);
  std::set<std::string> stayed;
  for (const auto& r : read_topic(base_, base_.get_string("topics.decisions")))
    if (auto d = decode_decision(r.value); d && d->kind == DecisionKind::Stay) stayed.insert(d->instance_id);
  EXPECT_EQ(stayed, (std::set<std::string>{"i-new", "i-old"}));
}

// A message over the producers' message.max.bytes is refused when it is published, with an error
// that says so, instead of reaching a broker that drops it.
TEST_F(InputGuard, OversizeMessagesAreRefusedWhenPublished) {
  EventPublisher pub(base_);
  const std::string big(kMaxMessageBytes + 1, 'x');
  try {
    pub.publish_raw(base_.get_string("topics.signals"), "i-1", big, 0);
    FAIL() << "a message over message.max.bytes was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("message.max.bytes"), std::string::npos) << e.what();
  }
}
