// KafkaSource's control queue: the signals and fleet partitions are read through a queue of their
// own, served before the consumer's queue, so a signal fetched behind a backlog of price messages
// is handed over at the next poll. Checked on the embedded broker against the same source with the
// queue turned off (consumer.control_queue=false), where the backlog comes first; in both, every
// message arrives once and each partition's messages in offset order.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/kafka_source.hpp"

using namespace spotstream;

namespace {

struct Assignments : KafkaSource::Listener {
  std::size_t held = 0;
  void on_assigned(const std::vector<PartitionKey>& parts) override { held += parts.size(); }
  void on_revoking(const std::vector<PartitionKey>& parts) override { held -= parts.size(); }
};

struct Read {
  std::vector<std::string> topics;  // in the order read
  std::map<PartitionKey, std::vector<std::int64_t>> offsets;
};

constexpr int kPrices = 20000;

// Publishes a backlog of prices, lets the source fetch it without reading, publishes one signal,
// lets that be fetched too, then reads everything. Returns what was read after the backlog was
// fetched, in order.
Read backlog_then_signal(bool control_queue) {
  EmbeddedCluster cluster(1);
  cluster.create_topic("cq.prices", 4);
  cluster.create_topic("cq.signals", 2);
  Config cfg;
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("consumer.group", "cq");
  cfg.set("consumer.control_queue", control_queue ? "true" : "false");
  KafkaProducer producer(cfg);
  for (int i = 0; i < kPrices; ++i)
    EXPECT_TRUE(producer.produce("cq.prices", "pool-" + std::to_string(i % 50), "{}", 1000 + i, nullptr));
  EXPECT_TRUE(producer.flush(10000));

  Assignments assigned;
  KafkaSource src(cfg, {{"cq.prices", InputKind::Prices}, {"cq.signals", InputKind::Signals}}, assigned);
  Read read;
  const auto record = [&](const KafkaSource::Record& r) {
    const auto& key = src.key(r.slot);
    read.topics.push_back(key.first);
    read.offsets[key].push_back(r.offset);
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (assigned.held < 6 && std::chrono::steady_clock::now() < deadline) src.poll(1, 50, record);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the backlog is fetched, not read
  EXPECT_TRUE(producer.produce("cq.signals", "i-1", "{}", 50000, nullptr));
  EXPECT_TRUE(producer.flush(10000));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // and the signal behind it
  read.topics.clear();
  std::size_t total = 0;
  for (const auto& [k, v] : read.offsets) total += v.size();
  while (total < kPrices + 1 && std::chrono::steady_clock::now() < deadline) total += src.poll(100, 50, record);
  return read;
}

void expect_every_message_once_in_order(const Read& r) {
  std::size_t prices = 0, signals = 0;
  for (const auto& [key, offsets] : r.offsets) {
    for (std::size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], static_cast<std::int64_t>(i)) << key.first;
    (key.first == "cq.prices" ? prices : signals) += offsets.size();
  }
  EXPECT_EQ(prices, static_cast<std::size_t>(kPrices));
  EXPECT_EQ(signals, 1u);
}

}  // namespace

TEST(KafkaSourceControlQueue, ASignalIsReadBeforeThePriceBacklogFetchedAheadOfIt) {
  const auto r = backlog_then_signal(true);
  expect_every_message_once_in_order(r);
  ASSERT_FALSE(r.topics.empty());
  EXPECT_EQ(r.topics.front(), "cq.signals");
}

TEST(KafkaSourceControlQueue, WithoutItTheSignalWaitsBehindTheBacklog) {
  const auto r = backlog_then_signal(false);
  expect_every_message_once_in_order(r);
  ASSERT_FALSE(r.topics.empty());
  EXPECT_EQ(r.topics.front(), "cq.prices");
  EXPECT_GT(std::find(r.topics.begin(), r.topics.end(), "cq.signals") - r.topics.begin(), 1000);
}
