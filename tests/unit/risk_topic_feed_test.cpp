// The risk table's completeness read from spot.risk progress marks (RiskTopicFeed): the minimum over
// the price topic's partitions of their marks, where a partition nobody has marked holds it back
// unless it is empty on the broker (a process owning only empty price partitions marks nothing, and
// must not stall every decision of the group). Marks are produced by hand here, so the expected
// completeness is known independently of the code that writes them.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "operators/decision/risk_table.hpp"
#include "topology/risk_topic_feed.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

class RiskTopicFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    cfg_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    cluster_->create_topic(cfg_.get_string("topics.prices"), 4);
    cluster_->create_topic(cfg_.get_string("topics.risk"), 2);
    producer_ = std::make_unique<KafkaProducer>(cfg_);
  }

  // "price partition p complete through t", to every spot.risk partition, as RiskMarks writes it.
  void mark(std::int32_t p, TimestampMs t) {
    const auto& prices = cfg_.get_string("topics.prices");
    for (std::int32_t r = 0; r < 2; ++r)
      ASSERT_TRUE(producer_->produce(cfg_.get_string("topics.risk"), risk_mark_key(prices, p),
                                     encode_risk_mark(RiskProgressMark{prices, p, t}), t, nullptr, nullptr, r));
    ASSERT_TRUE(producer_->flush(10000));
  }
  void tick(std::int32_t p) {
    ASSERT_TRUE(producer_->produce(cfg_.get_string("topics.prices"), "us-east-1a/c5", "{}", 1000, nullptr, nullptr, p));
    ASSERT_TRUE(producer_->flush(10000));
  }
  // Waits until the feed's completeness is `want` (true) or 20 s passed.
  static bool reaches(const RiskTopicFeed& feed, TimestampMs want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (feed.complete_through() != want && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return feed.complete_through() == want;
  }

  Config cfg_;
  std::unique_ptr<EmbeddedCluster> cluster_;
  std::unique_ptr<KafkaProducer> producer_;
};

TEST_F(RiskTopicFeedTest, EmptyUnmarkedPricePartitionsDoNotHoldCompletenessBack) {
  // Partitions 0 and 1 have ticks and marks; 2 and 3 are empty and nobody marks them.
  tick(0);
  tick(1);
  mark(0, 1000);
  mark(1, 2000);
  RiskTable table;
  ProcessMetrics metrics;
  RiskTopicFeed feed(cfg_, table, metrics, true);
  EXPECT_TRUE(reaches(feed, 1000)) << feed.complete_through();

  // Partition 2 gets a tick: unmarked and no longer empty, it holds completeness where it is...
  tick(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two checks of the broker, at least
  mark(0, 5000);
  mark(1, 5000);
  ASSERT_TRUE(feed.sync(20000));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(feed.complete_through(), 1000);
  // ...until its owner marks it.
  mark(2, 3000);
  EXPECT_TRUE(reaches(feed, 3000)) << feed.complete_through();
}

TEST_F(RiskTopicFeedTest, AnUnmarkedPartitionWithTicksHoldsCompletenessBack) {
  tick(0);
  tick(1);
  tick(2);
  tick(3);
  mark(0, 1000);
  mark(1, 2000);
  mark(2, 3000);
  RiskTable table;
  ProcessMetrics metrics;
  RiskTopicFeed feed(cfg_, table, metrics, true);
  ASSERT_TRUE(feed.sync(20000));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(feed.complete_through(), std::numeric_limits<TimestampMs>::min());
  mark(3, 1500);
  EXPECT_TRUE(reaches(feed, 1000)) << feed.complete_through();
}

}  // namespace
