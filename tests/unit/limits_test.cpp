// The limits on what outside input can make a process hold, each flooded through the embedded
// broker: pools (limits.max_pools), fleet nodes (limits.max_fleet_nodes) and dead letters written
// with their bytes (limits.dlq_per_second). Past a limit nothing is lost from the accounts: every
// message is processed or dead-lettered with its reason, counted, and the process holds no more.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>

#include "src/codec/dlq_counters.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/codec/price_file.hpp"
#include "src/core/pool_id.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

class Limits : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
      cluster_->create_topic(cfg_.get_string(t), 1);
    cfg_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    cfg_.set("log.level", "warn");
    cfg_.set("consumer.group", "limits");
    cfg_.set("runtime.idle_exit_ms", "500");
    cfg_.set("runtime.shards", "1");  // one price shard: the pool limit is exact
    cfg_.set("window.max_ahead_of_clock_ms", "0");
  }

  void publish(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& messages) {
    EventPublisher pub(cfg_);
    for (const auto& [key, value] : messages) pub.publish_raw(cfg_.get_string(topic), key, value, 0);
    pub.flush();
  }
  int run(ProcessMetrics& m) {
    std::atomic<bool> stop{false};
    Pipeline p(cfg_, live_topology(cfg_), m, kafka_io(cfg_));
    return p.run(stop);
  }
  std::vector<DeadLetterRecord> dead_letters() const {
    std::vector<DeadLetterRecord> out;
    for (const auto& r : read_topic(cfg_, cfg_.get_string("topics.dlq")))
      if (auto d = decode_dead_letter(r.value)) out.push_back(*d);
    return out;
  }

  Config cfg_;
  std::unique_ptr<EmbeddedCluster> cluster_;
};

// Pool i: a family of its own in us-east-1a, so that each is a new window and a new family group.
std::string pool_type(int i) { return "x" + std::to_string(i) + ".large"; }
std::string tick(int pool, int minute) {
  return R"({"ts":"2025-01-01T10:)" + std::string(minute < 10 ? "0" : "") + std::to_string(minute) +
         R"(:00Z","az":"us-east-1a","instance_type":")" + pool_type(pool) + R"(","product":"Linux/UNIX","spot_price":0.05})";
}

}  // namespace

// 2,000 pools against a limit of 40: the first 40 (in the order read) get windows and risk
// records; every tick of the others is dead-lettered as pool_limit with the tick in it, and the
// process holds 40 pools, not 2,000. The ticks of held pools that come after the flood are taken.
TEST_F(Limits, PoolsPastTheLimitAreDeadLetteredAndNotHeld) {
  constexpr int kPools = 2000, kLimit = 40;
  cfg_.set("limits.max_pools", std::to_string(kLimit));
  cfg_.set("limits.dlq_per_second", "0");  // every dead letter with its bytes
  std::vector<std::pair<std::string, std::string>> messages;
  for (int minute : {0, 5})
    for (int p = 0; p < kPools; ++p) messages.emplace_back("us-east-1a/x" + std::to_string(p), tick(p, minute));
  for (int p = 0; p < kLimit; ++p) messages.emplace_back("us-east-1a/x" + std::to_string(p), tick(p, 10));
  publish("topics.prices", messages);

  ProcessMetrics m;
  ASSERT_EQ(run(m), 0);
  EXPECT_EQ(m.messages_in.get(), messages.size());
  EXPECT_EQ(m.pools.get(), 0) << "every window is dropped with its partition at the end";
  const std::uint64_t refused = 2 * (kPools - kLimit);
  EXPECT_EQ(m.dlq.get("pool_limit"), refused);
  EXPECT_EQ(m.dlq.total(), refused);

  std::set<std::string> held;
  for (int p = 0; p < kLimit; ++p) held.insert("us-east-1a/" + pool_type(p) + "/Linux/UNIX");
  std::set<std::string> scored;
  for (const auto& r : read_topic(cfg_, cfg_.get_string("topics.risk")))
    if (decode_risk_record(r.value)) scored.insert(r.key);
  EXPECT_EQ(scored, held);

  const auto dlq = dead_letters();
  ASSERT_EQ(dlq.size(), refused);
  std::map<std::string, int> refused_ticks;
  for (const auto& d : dlq) {
    EXPECT_EQ(d.letter.reason, "pool_limit");
    EXPECT_NE(d.letter.detail.find("limits.max_pools (40)"), std::string::npos) << d.letter.detail;
    const auto t = read_price_text("dead letter", d.letter.payload);
    ASSERT_EQ(t.size(), 1u) << d.letter.payload;
    ++refused_ticks[PoolId::text(t[0].az, t[0].instance_type, t[0].product)];
  }
  EXPECT_EQ(refused_ticks.size(), static_cast<std::size_t>(kPools - kLimit));
  for (const auto& [pool, n] : refused_ticks) {
    EXPECT_FALSE(held.contains(pool)) << pool;
    EXPECT_EQ(n, 2) << pool;
  }
}

// 30 joins against a limit of 12: the first 12 nodes join (a STAY each), the other 18 joins are
// dead-lettered as fleet_limit with the join in them; a signal for a refused node decides nothing.
TEST_F(Limits, NodesPastTheLimitAreDeadLetteredAndNotHeld) {
  constexpr int kNodes = 30, kLimit = 12;
  cfg_.set("limits.max_fleet_nodes", std::to_string(kLimit));
  cfg_.set("limits.dlq_per_second", "0");
  const auto id = [](int i) { return "i-" + std::string(i < 10 ? "0" : "") + std::to_string(i); };
  std::vector<std::pair<std::string, std::string>> joins;
  for (int i = 0; i < kNodes; ++i)
    joins.emplace_back(id(i), R"({"ts":"2025-01-01T10:00:)" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
                                  R"(Z","action":"join","node_id":"node-)" + std::to_string(i) + R"(","instance_id":")" +
                                  id(i) + R"(","az":"us-east-1a","instance_type":"c5.large"})");
  publish("topics.fleet", joins);
  const std::string refused_id = id(kNodes - 1);
  publish("topics.signals",
          {{refused_id, R"({"version":"0","id":"e-1","detail-type":"EC2 Instance Rebalance Recommendation",)"
                        R"("source":"aws.ec2","account":"000000000000","time":"2025-01-01T10:01:00Z","region":"us-east-1",)"
                        R"("resources":["arn:aws:ec2:us-east-1a:instance/)" + refused_id + R"("],)"
                        R"("detail":{"instance-id":")" + refused_id + R"("}})"}});
  ProcessMetrics m;
  ASSERT_EQ(run(m), 0);
  EXPECT_EQ(m.fleet_in.get(), static_cast<std::uint64_t>(kNodes));
  EXPECT_EQ(m.fleet_nodes.get(), 0) << "every node is dropped with its partition at the end";
  EXPECT_EQ(m.dlq.get("fleet_limit"), static_cast<std::uint64_t>(kNodes - kLimit));
  EXPECT_EQ(m.unknown_instance_signals.get(), 1u);

  std::set<std::string> decided;
  for (const auto& r : read_topic(cfg_, cfg_.get_string("topics.decisions")))
    if (auto d = decode_decision(r.value)) {
      EXPECT_EQ(d->kind, DecisionKind::Stay) << r.value;
      decided.insert(d->instance_id);
    }
  std::set<std::string> first;
  for (int i = 0; i < kLimit; ++i) first.insert(id(i));
  EXPECT_EQ(decided, first);

  std::set<std::string> refused;
  for (const auto& d : dead_letters()) {
    EXPECT_EQ(d.letter.reason, "fleet_limit");
    EXPECT_NE(d.letter.payload.find(R"("action":"join")"), std::string::npos) << d.letter.payload;
    refused.insert(d.letter.key);
  }
  EXPECT_EQ(refused.size(), static_cast<std::size_t>(kNodes - kLimit));
  for (const auto& r : refused) EXPECT_FALSE(first.contains(r)) << r;
}

// 300 unparseable messages against 20 dead letters a second with bytes: every one is dead-lettered
// (reason, source offset, original length); those past the budget keep none of their bytes, and
// they are exactly the ones counted as payloads_dropped.
TEST_F(Limits, DeadLettersPastTheRateKeepTheirReasonButNotTheirBytes) {
  constexpr int kMessages = 300;
  cfg_.set("limits.dlq_per_second", "20");
  std::vector<std::pair<std::string, std::string>> junk;
  for (int i = 0; i < kMessages; ++i) junk.emplace_back("k", "not json " + std::to_string(i));
  publish("topics.prices", junk);
  ProcessMetrics m;
  ASSERT_EQ(run(m), 0);
  EXPECT_EQ(m.dlq.get("malformed_json"), static_cast<std::uint64_t>(kMessages));
  const auto dlq = dead_letters();
  ASSERT_EQ(dlq.size(), static_cast<std::size_t>(kMessages));
  std::uint64_t kept = 0, dropped = 0;
  std::set<std::int64_t> offsets;
  for (const auto& d : dlq) {
    const auto& original = junk[static_cast<std::size_t>(d.letter.source.offset)].second;
    offsets.insert(d.letter.source.offset);
    EXPECT_EQ(d.payload_bytes, original.size());
    if (d.letter.payload == original) {
      EXPECT_FALSE(d.truncated);
      ++kept;
    } else {
      EXPECT_TRUE(d.truncated);
      EXPECT_TRUE(d.letter.payload.empty()) << d.letter.payload;
      ++dropped;
    }
  }
  EXPECT_EQ(offsets.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(dropped, m.dlq.payloads_dropped());
  EXPECT_GE(kept, 20u);  // the first second's budget at least
  EXPECT_GT(dropped, 0u) << "300 bad messages in less than 15 s: some second had more than 20";
}

// The budget itself, on a clock of our own: 3 a second; the rest of a second gets 0 bytes; a
// new second a new budget; 0 means no limit.
TEST(DlqCounters, PayloadAllowanceIsABudgetPerSecond) {
  DlqCounters c;
  EXPECT_EQ(c.payload_allowance(100, 5'000), 100u);  // no limit set
  c.set_payload_rate(3);
  std::vector<std::size_t> got;
  for (std::int64_t t : {10'000, 10'100, 10'200, 10'300, 10'999, 11'000, 11'500})
    got.push_back(c.payload_allowance(100, t));
  EXPECT_EQ(got, (std::vector<std::size_t>{100, 100, 100, 0, 0, 100, 100}));
  EXPECT_EQ(c.payloads_dropped(), 2u);
}
