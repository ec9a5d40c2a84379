// The replay engine: a MemorySource hands messages over as a consumer would (partitions assigned at
// the first poll, each at its end only once its last message is read, offsets per partition), and
// the same events replayed in process or read from Kafka by a live pipeline give byte-identical
// spot.risk records and the same decisions.
#include <gtest/gtest.h>

#include <algorithm>

#include "src/codec/json_encoder.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/memory_source.hpp"
#include "src/runtime/pipeline.hpp"
#include "tests/unit/decision_test_util.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/replay.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

struct Recorder : EventSource::Listener {
  std::vector<PartitionKey> assigned;
  void on_assigned(const std::vector<PartitionKey>& parts) override { assigned = parts; }
  void on_revoking(const std::vector<PartitionKey>&) override {}
};

Event tick_at(TimestampMs ts) {
  PriceTick t;
  t.ts = ts;
  return Event{t};
}

std::vector<Event> market(int days) {
  SynthOptions o;
  o.days = days;
  o.regions = {"us-east-1"};
  o.nodes = 12;
  std::vector<Event> events;
  SynthMarket(o).generate([&](const Event& e) { events.push_back(e); });
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::visit([](const auto& v) { return v.ts; }, a) < std::visit([](const auto& v) { return v.ts; }, b);
  });
  return events;
}

std::vector<std::string> sorted(std::vector<std::pair<std::string, std::pair<TimestampMs, std::string>>> records) {
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.first < b.second.first;
  });
  std::vector<std::string> out;
  for (auto& r : records) out.push_back(r.first + " " + r.second.second);
  return out;
}

std::vector<std::string> from_topic(const Config& cfg, const std::string& topic) {
  std::vector<std::pair<std::string, std::pair<TimestampMs, std::string>>> records;
  for (auto& r : read_topic(cfg, topic)) records.push_back({r.key, {r.timestamp, r.value}});
  return sorted(std::move(records));
}

//! A replay's outputs as its consumer got them, in order.
struct Collected {
  std::vector<Output> outputs;
  OrderedSink::Consumer consumer() {
    return [this](std::vector<Output>& o) { std::move(o.begin(), o.end(), std::back_inserter(outputs)); };
  }
  std::vector<std::string> in_order(OutputTopic topic) const {
    std::vector<std::string> out;
    for (const auto& o : outputs)
      if (o.topic == topic) out.push_back(o.key + " " + o.value);
    return out;
  }
  std::vector<std::string> sorted_by_key(OutputTopic topic) const {
    std::vector<std::pair<std::string, std::pair<TimestampMs, std::string>>> records;
    for (const auto& o : outputs)
      if (o.topic == topic) records.push_back({o.key, {o.ts, o.value}});
    return sorted(std::move(records));
  }
};

}  // namespace

TEST(MemorySource, HandsMessagesOverAsAConsumerWould) {
  Recorder listener;
  MemorySource src({{"p", InputKind::Prices}, {"s", InputKind::Signals}}, {2, 1}, {},
                   {tick_at(10), tick_at(20), tick_at(30), tick_at(40)}, {{0, 1}, {0, 0}, {1, 0}, {0, 1}}, listener);
  EXPECT_FALSE(src.all_at_eof());  // nothing assigned before the first poll
  std::vector<std::tuple<std::string, std::int32_t, std::int64_t, TimestampMs>> seen;
  const auto take = [&](const EventSource::Record& r) {
    ASSERT_NE(r.decoded, nullptr);
    ASSERT_EQ(r.decoded->size(), 1u);
    seen.emplace_back(src.key(r.slot).first, r.partition, r.offset, r.timestamp);
  };
  EXPECT_EQ(src.poll(2, 0, take), 2u);
  EXPECT_EQ(listener.assigned.size(), 3u);
  // p[0] had one message and it was read; p[1] has one more; s[0] none read yet.
  EXPECT_TRUE(src.assignment().at({"p", 0}));
  EXPECT_FALSE(src.assignment().at({"p", 1}));
  EXPECT_FALSE(src.assignment().at({"s", 0}));
  EXPECT_FALSE(src.all_at_eof());
  EXPECT_EQ(src.poll(10, 0, take), 2u);
  EXPECT_TRUE(src.all_at_eof());
  EXPECT_EQ(src.poll(10, 0, take), 0u);
  const decltype(seen) want{{"p", 1, 0, 10}, {"p", 0, 0, 20}, {"s", 0, 0, 30}, {"p", 1, 1, 40}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(src.slot_of({"s", 0}), 2);
  EXPECT_EQ(src.slot_of({"s", 1}), -1);
  EXPECT_TRUE(src.commit({{{"p", 1}, 2}}, true, {}));
  EXPECT_EQ(src.committed().at({"p", 1}), 2);
  EXPECT_THROW(MemorySource({{"p", InputKind::Prices}}, {1}, {}, {tick_at(1)}, {{0, 3}}, listener), std::invalid_argument);
  EXPECT_THROW(MemorySource({{"p", InputKind::Prices}}, {1}, {}, {tick_at(1)}, {}, listener), std::invalid_argument);
}

// Lent ticks are handed over where their placements say, between the events, and left as they were.
TEST(MemorySource, HandsLentTicksOverBetweenTheEvents) {
  Recorder listener;
  std::vector<PriceTick> ticks(2);
  ticks[0].ts = 10;
  ticks[0].az = "us-east-1a";
  ticks[1].ts = 30;
  MemorySource src({{"p", InputKind::Prices}, {"f", InputKind::Fleet}}, {1, 1}, ticks, {tick_at(20), tick_at(40)},
                   {{0, 0, true}, {1, 0}, {0, 0, true}, {1, 0}}, listener);
  std::vector<std::pair<std::string, TimestampMs>> seen;
  std::string first_az;
  EXPECT_EQ(src.poll(10, 0, [&](const EventSource::Record& r) {
    seen.emplace_back(src.key(r.slot).first, std::get<PriceTick>(r.decoded->front()).ts);
    if (first_az.empty()) first_az = std::get<PriceTick>(r.decoded->front()).az;
  }), 4u);
  const decltype(seen) want{{"p", 10}, {"f", 20}, {"p", 30}, {"f", 40}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(first_az, "us-east-1a");
  EXPECT_EQ(ticks[0].az, "us-east-1a");  // copied, not moved out
  EXPECT_TRUE(src.all_at_eof());
  // A placement too many or too few from the ticks.
  EXPECT_THROW(MemorySource({{"p", InputKind::Prices}}, {1}, ticks, {}, {{0, 0, true}}, listener), std::invalid_argument);
  EXPECT_THROW(MemorySource({{"p", InputKind::Prices}}, {1}, ticks, {tick_at(1)}, {{0, 0, true}, {0, 0, true}}, listener),
               std::invalid_argument);
}

// A market's ticks lent to the replay, with its signals and fleet events beside them, give what the
// whole market as events gives when sorted by time with the ticks first (std::stable_sort of ticks
// then the rest): the same records and decisions in the same order. Ticks out of time order are
// refused.
TEST(Replay, LentTicksGiveWhatTheEventsGive) {
  const auto events = market(2);
  std::vector<PriceTick> ticks;
  std::vector<Event> others;
  for (const auto& e : events) {
    if (const auto* t = std::get_if<PriceTick>(&e)) ticks.push_back(*t);
    else others.push_back(e);
  }
  ASSERT_GT(others.size(), 10u);
  // On the ticks' 5-minute grid: ticks and other events at the same times.
  for (auto& e : others) std::visit([](auto& v) { v.ts -= v.ts % 300000; }, e);
  std::vector<Event> reference(ticks.begin(), ticks.end());
  reference.insert(reference.end(), others.rbegin(), others.rend());  // any order: the replay sorts them
  std::stable_sort(reference.begin(), reference.end(), [](const Event& a, const Event& b) {
    return std::visit([](const auto& v) { return v.ts; }, a) < std::visit([](const auto& v) { return v.ts; }, b);
  });
  Config cfg;
  cfg.set("log.level", "warn");
  cfg.set("risk.every_tick", "true");
  std::atomic<bool> stop{false};
  ProcessMetrics m1, m2;
  Collected whole, lent;
  ASSERT_EQ(replay(cfg, reference, m1, stop, whole.consumer()).status, 0);
  std::reverse(others.begin(), others.end());
  const auto result = replay(cfg, ReplayEvents(ticks, others), m2, stop, lent.consumer());
  ASSERT_EQ(result.status, 0);
  EXPECT_EQ(result.events, events.size());
  EXPECT_EQ(m2.messages_in.get(), events.size());
  ASSERT_GT(whole.in_order(OutputTopic::Risk).size(), 1000u);
  EXPECT_EQ(lent.in_order(OutputTopic::Risk), whole.in_order(OutputTopic::Risk));
  ASSERT_GT(whole.in_order(OutputTopic::Decisions).size(), 5u);
  EXPECT_EQ(test::deterministic_parts(lent.in_order(OutputTopic::Decisions), 1),
            test::deterministic_parts(whole.in_order(OutputTopic::Decisions), 1));
  std::swap(ticks.front(), ticks.back());
  EXPECT_THROW(replay(cfg, ReplayEvents(ticks), m2, stop, lent.consumer()), std::invalid_argument);
}

// The same events, published to the embedded broker and read by a live pipeline, and replayed in
// process: the same spot.risk records byte for byte, and the same decisions.
TEST(Replay, SameRecordsAsTheKafkaPath) {
  const auto events = market(3);
  EmbeddedCluster cluster(1);
  Config cfg;
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("log.level", "warn");
  cfg.set("runtime.idle_exit_ms", "500");
  cfg.set("topics.partitions", "6");
  cfg.set("risk.every_tick", "true");
  for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster.create_topic(cfg.get_string(t), 6);
  {
    EventPublisher pub(cfg);
    for (const auto& e : events) pub.publish(e);
    pub.flush();
  }
  ProcessMetrics live_metrics;
  std::atomic<bool> stop{false};
  {
    Pipeline p(cfg, live_topology(cfg), live_metrics, kafka_io(cfg));
    ASSERT_EQ(p.run(stop), 0);
  }
  const auto live_risk = from_topic(cfg, cfg.get_string("topics.risk"));
  const auto live_decisions = from_topic(cfg, cfg.get_string("topics.decisions"));

  ProcessMetrics replay_metrics;
  Collected out;
  const auto result = replay(cfg, events, replay_metrics, stop, out.consumer());
  ASSERT_EQ(result.status, 0);
  EXPECT_EQ(result.out_of_order, 0u);
  EXPECT_EQ(replay_metrics.messages_in.get(), events.size());
  const auto replay_risk = out.sorted_by_key(OutputTopic::Risk);
  ASSERT_GT(live_risk.size(), 1000u);
  EXPECT_EQ(live_risk.size(), live_metrics.prices_in.get() - live_metrics.duplicate_ticks.get());
  EXPECT_EQ(replay_risk, live_risk);
  ASSERT_GT(live_decisions.size(), 10u);
  EXPECT_EQ(test::deterministic_parts(out.sorted_by_key(OutputTopic::Decisions), 1),
            test::deterministic_parts(live_decisions, 1));
}

// The replay is deterministic whatever the shard count and batch size: each shard owns its keys,
// and event time alone drives what they do; the outputs come out in the same order too, ordered by
// event time and then key.
TEST(Replay, SameRecordsWhateverShardsAndBatches) {
  const auto events = market(2);
  std::vector<std::vector<std::string>> risk, decisions;
  for (const auto& [shards, batch] : {std::pair{1, 1024}, {4, 7}, {2, 100000}}) {
    Config cfg;
    cfg.set("log.level", "warn");
    cfg.set("runtime.shards", std::to_string(shards));
    cfg.set("runtime.batch_size", std::to_string(batch));
    ProcessMetrics m;
    std::atomic<bool> stop{false};
    Collected out;
    const auto result = replay(cfg, events, m, stop, out.consumer());
    ASSERT_EQ(result.status, 0);
    EXPECT_EQ(result.out_of_order, 0u);
    const auto by_time_then_key = [](const Output& a, const Output& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.key < b.key;
    };
    EXPECT_TRUE(std::is_sorted(out.outputs.begin(), out.outputs.end(), by_time_then_key));
    risk.push_back(out.in_order(OutputTopic::Risk));
    decisions.push_back(test::deterministic_parts(out.in_order(OutputTopic::Decisions), 1));
  }
  ASSERT_GT(risk[0].size(), 100u);
  EXPECT_EQ(risk[0], risk[1]);
  EXPECT_EQ(risk[0], risk[2]);
  EXPECT_GT(decisions[0].size(), 5u);
  EXPECT_EQ(decisions[0], decisions[1]);
  EXPECT_EQ(decisions[0], decisions[2]);
}
