// Warm start (issue 6), in process on the embedded broker, whose offsetsForTimes answers -1 so the
// fallback (read from the start, skip by timestamp) is what runs. A 1-day window with a 1-hour
// margin over a 3-day synthetic market keeps it quick while making the replay a real cut of the log.
// - A restart mid-stream re-reads a window of history and then publishes exactly what an
//   uninterrupted run publishes: spot.risk and decisions, compared record by record.
// - A new group starting at the log end ("latest") publishes nothing from the history it re-reads;
//   its first records, once new ticks arrive, are not warming and equal the uninterrupted run's.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "tests/unit/decision_test_util.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {

class WarmStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    // The mock broker keeps ~5 MiB per partition: 16 price partitions hold three days of 105 pools.
    cluster_->create_topic(base_.get_string("topics.prices"), 16);
    for (const char* t : {"topics.signals", "topics.fleet", "topics.dlq"}) cluster_->create_topic(base_.get_string(t), 4);
    base_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    base_.set("log.level", "warn");
    base_.set("window.length_ms", std::to_string(kDayMs));
    base_.set("warm_start.extra_ms", "3600000");
    base_.set("runtime.idle_exit_ms", "500");
    SynthOptions o;
    o.days = 3;
    o.nodes = 20;
    o.regions = {"us-east-1"};
    o.spike_rate_per_family_day = 2.0;
    SynthMarket(o).generate([&](const Event& e) { events_.push_back(e); });
    start_ = o.start;
  }

  //! The index of the first event at or after `ts` (the market is generated in time order).
  std::size_t split_at(TimestampMs ts) const {
    const auto it = std::find_if(events_.begin(), events_.end(),
                                 [&](const Event& e) { return std::visit([](const auto& v) { return v.ts; }, e) >= ts; });
    return static_cast<std::size_t>(it - events_.begin());
  }

  void publish(std::size_t from, std::size_t to) {
    EventPublisher pub(base_);
    for (std::size_t i = from; i < to; ++i) pub.publish(events_[i]);
    pub.flush();
  }

  Config config(const std::string& group) {
    Config cfg = base_;
    cfg.set("consumer.group", group);
    cfg.set("topics.risk", "risk." + group);
    cfg.set("topics.decisions", "decisions." + group);
    return cfg;
  }

  static int run(const Config& cfg, ProcessMetrics& m, const std::function<bool()>& may_exit = {}) {
    std::atomic<bool> stop{false};
    Pipeline p(cfg, live_topology(cfg), m, kafka_io(cfg));
    return p.run(stop, may_exit);
  }

  std::vector<TopicRecord> records(const Config& cfg, const char* topic) {
    auto r = read_topic(base_, cfg.get_string(topic));
    std::sort(r.begin(), r.end(), [](const TopicRecord& a, const TopicRecord& b) {
      return std::tie(a.key, a.timestamp, a.value) < std::tie(b.key, b.timestamp, b.value);
    });
    return r;
  }

  static std::vector<std::string> values(const std::vector<TopicRecord>& rs, TimestampMs from = INT64_MIN) {
    std::vector<std::string> out;
    for (const auto& r : rs)
      if (r.timestamp >= from) out.push_back(r.key + " " + r.value);
    return out;
  }

  //! Equal lists, or a failure naming the sizes and the first difference (not two huge dumps).
  static void expect_same(const std::vector<std::string>& got, const std::vector<std::string>& want) {
    if (got == want) return;
    std::size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    ADD_FAILURE() << got.size() << " records vs " << want.size() << " expected; first difference at " << i
                  << ":\n got:  " << (i < got.size() ? got[i] : "(end)")
                  << "\n want: " << (i < want.size() ? want[i] : "(end)");
  }

  Config base_;
  std::unique_ptr<EmbeddedCluster> cluster_;
  std::vector<Event> events_;
  TimestampMs start_ = 0;
};

}  // namespace

TEST_F(WarmStartTest, RestartMidStreamPublishesWhatAnUninterruptedRunPublishes) {
  const std::size_t cut = split_at(start_ + 2 * kDayMs + kDayMs / 3);
  publish(0, cut);
  const Config restarted = config("restarted");
  ProcessMetrics first, second, whole;
  ASSERT_EQ(run(restarted, first), 0);
  publish(cut, events_.size());
  ASSERT_EQ(run(restarted, second), 0);
  // The second run re-read about a window and a margin of prices (25 h of 56), skipping the rest.
  EXPECT_GT(second.messages_skipped.get(), 0u);
  EXPECT_GT(second.messages_replayed.get(), 0u);
  EXPECT_EQ(first.messages_in.get() + second.messages_in.get(), events_.size());

  const Config reference = config("reference");
  ASSERT_EQ(run(reference, whole), 0);
  const auto risk = records(restarted, "topics.risk"), expected = records(reference, "topics.risk");
  ASSERT_GT(expected.size(), 1000u);
  expect_same(values(risk), values(expected));  // none missing, none doubled, every byte the same
  // Risk-driven decisions included: the restarted run reads the decisions in force back from its
  // decisions topic and continues. A signal's replacement pool is not deterministic (it comes from
  // the latest scores when the signal is processed): compared without it.
  const auto decisions = values(records(restarted, "topics.decisions"));
  EXPECT_GT(std::count_if(decisions.begin(), decisions.end(),
                          [](const std::string& r) { return r.find("\"SWITCH\"") != std::string::npos; }), 0);
  expect_same(test::deterministic_parts(decisions, 1),
              test::deterministic_parts(values(records(reference, "topics.decisions")), 1));
}

TEST_F(WarmStartTest, NewGroupAtTheLogEndWarmsUpSilentlyThenMatchesTheUninterruptedRun) {
  const TimestampMs boundary = start_ + 2 * kDayMs;
  const std::size_t cut = split_at(boundary);
  publish(0, cut);
  // Here the new group writes its own decisions topic, so it has no risk-driven decisions in force
  // to continue from (a group that shares spot.decisions reads them back, as the restart test
  // shows): joins and signals only, in both runs.
  base_.set("decisions.enabled", "false");
  Config late = config("late");
  late.set("consumer.offset_reset", "latest");
  ProcessMetrics warm;
  std::atomic<bool> published{false};
  std::thread runner([&] { EXPECT_EQ(run(late, warm, [&] { return published.load(); }), 0); });
  // Once the history is re-read (the pipeline is idle at the log end), the new days arrive.
  while (warm.messages_replayed.get() == 0 || warm.messages_in.get() > 0) {
    ASSERT_EQ(warm.messages_in.get(), 0u) << "history taken as live input";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(warm.messages_in.get(), 0u);
  publish(cut, events_.size());
  // Idle exit only once the new days are read: until the consumer fetches them, its partitions still
  // look read to their end, and a loaded machine can take longer than the idle time to fetch.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (warm.messages_in.get() < events_.size() - cut && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  published = true;
  runner.join();
  EXPECT_EQ(warm.messages_in.get(), events_.size() - cut);

  const Config reference = config("reference");
  ProcessMetrics whole;
  ASSERT_EQ(run(reference, whole), 0);
  const auto risk = records(late, "topics.risk");
  ASSERT_GT(risk.size(), 100u);
  for (const auto& r : risk) {
    ASSERT_GE(r.timestamp, boundary) << r.value;  // nothing from the history it re-read
    const auto rec = decode_risk_record(r.value);
    ASSERT_TRUE(rec);
    EXPECT_FALSE(rec->warming) << r.value;
  }
  expect_same(values(risk), values(records(reference, "topics.risk"), boundary));
  const auto decisions = records(late, "topics.decisions");
  EXPECT_GT(decisions.size(), 0u);
  expect_same(test::deterministic_parts(values(decisions), 1),
              test::deterministic_parts(values(records(reference, "topics.decisions"), boundary), 1));
}
