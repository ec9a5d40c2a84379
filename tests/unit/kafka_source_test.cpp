// KafkaSource's co-partitioning (issue 6): partition p of a follower topic (signals) is assigned
// with partition p of its leader (fleet), whatever the group's assignor does, so that every key's
// messages on both topics reach the same member. Checked with real group members on the embedded
// broker: after the group splits, after a member leaves, and per key by the messages received.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/kafka_source.hpp"

using namespace spotstream;

namespace {

// One group member: what it holds and which keys it read from which topic.
struct Member : KafkaSource::Listener {
  std::set<PartitionKey> held;
  std::map<std::string, std::set<std::string>> keys_by_topic;
  std::unique_ptr<KafkaSource> source;

  void on_assigned(const std::vector<PartitionKey>& parts) override { held.insert(parts.begin(), parts.end()); }
  void on_revoking(const std::vector<PartitionKey>& parts) override {
    for (const auto& p : parts) held.erase(p);
  }
  void poll() {
    source->poll(1000, 20, [&](const KafkaSource::Record& r) {
      keys_by_topic[source->key(r.slot).first].insert(std::string(r.key));
    });
  }
  std::set<std::int32_t> partitions_of(const std::string& topic) const {
    std::set<std::int32_t> out;
    for (const auto& [t, p] : held)
      if (t == topic) out.insert(p);
    return out;
  }
};

class KafkaSourceCoPartition : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    cfg_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    cfg_.set("kafka.session.timeout.ms", "6000");
    cfg_.set("kafka.heartbeat.interval.ms", "500");
    // The signals and fleet partitions through their own queue: it must follow them through the
    // rebalances too.
    cfg_.set("consumer.control_queue", "true");
  }

  // Publishes `keys` to each topic with librdkafka's default partitioner (as the feeds do).
  void publish(const std::vector<std::string>& topics, int keys) {
    KafkaProducer producer(cfg_);
    for (int i = 0; i < keys; ++i)
      for (const auto& t : topics) ASSERT_TRUE(producer.produce(t, "i-" + std::to_string(i), "{}", 1000 + i, nullptr));
    ASSERT_TRUE(producer.flush(10000));
  }

  // Polls both members until the group settles: every partition held by exactly one of them and
  // all of it read.
  static void settle(Member& a, Member& b, std::size_t partitions) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      a.poll();
      b.poll();
      if (a.held.size() + b.held.size() == partitions && a.source->all_at_eof() && b.source->all_at_eof()) return;
    }
    FAIL() << "the group did not settle: " << a.held.size() << " + " << b.held.size() << " of " << partitions;
  }

  Config cfg_;
  std::unique_ptr<EmbeddedCluster> cluster_;
};

TEST_F(KafkaSourceCoPartition, FollowerPartitionsMoveWithTheirLeaders) {
  const std::vector<EventSource::Input> topics{{"co.prices", InputKind::Prices}, {"co.signals", InputKind::Signals}, {"co.fleet", InputKind::Fleet}};
  cluster_->create_topic("co.prices", 3);
  cluster_->create_topic("co.signals", 6);
  cluster_->create_topic("co.fleet", 6);
  publish({"co.signals", "co.fleet"}, 200);
  cfg_.set("consumer.group", "co");
  const KafkaSource::CoPartition co{"co.fleet", "co.signals"};

  Member a, b;
  a.source = std::make_unique<KafkaSource>(cfg_, topics, a, std::vector<std::string>{}, std::nullopt, co);
  b.source = std::make_unique<KafkaSource>(cfg_, topics, b, std::vector<std::string>{}, std::nullopt, co);
  ASSERT_TRUE(a.source->co_partitioned());
  settle(a, b, 3 + 6 + 6);
  // Both members got a share of the fleet, and each holds exactly its fleet partitions' signals.
  EXPECT_FALSE(a.partitions_of("co.fleet").empty());
  EXPECT_FALSE(b.partitions_of("co.fleet").empty());
  EXPECT_EQ(a.partitions_of("co.signals"), a.partitions_of("co.fleet"));
  EXPECT_EQ(b.partitions_of("co.signals"), b.partitions_of("co.fleet"));
  // Per key: whoever read an instance's fleet messages read its signals.
  for (auto* m : {&a, &b}) EXPECT_EQ(m->keys_by_topic["co.signals"], m->keys_by_topic["co.fleet"]);
  EXPECT_EQ(a.keys_by_topic["co.fleet"].size() + b.keys_by_topic["co.fleet"].size(), 200u);

  // A leaves: B takes everything over, signals included, and still reads them with the fleet.
  a.source->close();
  a.source.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (b.held.size() < 15 && std::chrono::steady_clock::now() < deadline) b.poll();
  EXPECT_EQ(b.partitions_of("co.fleet"), (std::set<std::int32_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(b.partitions_of("co.signals"), b.partitions_of("co.fleet"));
  publish({"co.signals", "co.fleet"}, 400);
  while (b.keys_by_topic["co.fleet"].size() < 400 && std::chrono::steady_clock::now() < deadline) b.poll();
  while (b.keys_by_topic["co.signals"].size() < 400 && std::chrono::steady_clock::now() < deadline) b.poll();
  EXPECT_EQ(b.keys_by_topic["co.signals"].size(), 400u);
  EXPECT_EQ(b.keys_by_topic["co.signals"], b.keys_by_topic["co.fleet"]);
}

TEST_F(KafkaSourceCoPartition, UnequalPartitionCountsAreAssignedIndependently) {
  const std::vector<EventSource::Input> topics{{"un.signals", InputKind::Signals}, {"un.fleet", InputKind::Fleet}};
  cluster_->create_topic("un.signals", 3);
  cluster_->create_topic("un.fleet", 4);
  cfg_.set("consumer.group", "un");
  const KafkaSource::CoPartition co{"un.fleet", "un.signals"};
  Member a, b;
  a.source = std::make_unique<KafkaSource>(cfg_, topics, a, std::vector<std::string>{}, std::nullopt, co);
  b.source = std::make_unique<KafkaSource>(cfg_, topics, b, std::vector<std::string>{}, std::nullopt, co);
  EXPECT_FALSE(a.source->co_partitioned());
  // Every partition of both topics is still read, by one member each (the group assigns them).
  settle(a, b, 3 + 4);
  std::set<PartitionKey> all = a.held;
  all.insert(b.held.begin(), b.held.end());
  EXPECT_EQ(all.size(), 7u);
}

}  // namespace
