// A signal that reaches Kafka a little after the prices that passed its time (produce requests to
// different partitions are not ordered) must still stop risk-driven decisions for its node: they
// wait decisions.input_grace_ms once their instant is decidable when the signals partitions only
// look idle. The signal is appended at a moment the test controls: after the risk table is
// complete past the instant at which the node would SWITCH.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "operators/decision/decision_builder.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "tests/unit/decision_market.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;
using namespace spotstream::test;

namespace {

class SignalGrace : public ::testing::Test {
 protected:
  static inline const TimestampMs kJoin = at("2025-01-06T14:29:00Z");  // Monday, business hours
  static inline const TimestampMs kSignal = kJoin + 2 * kMinuteMs;       // before its first instant

  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    cluster_->create_topic(base_.get_string("topics.prices"), 1);
    for (const char* t : {"topics.signals", "topics.fleet", "topics.risk", "topics.dlq"})
      cluster_->create_topic(base_.get_string(t), 2);
    base_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    base_.set("log.level", std::getenv("GRACE_LOG") ? std::getenv("GRACE_LOG") : "warn");
    advisor_ = std::filesystem::temp_directory_path() /
               ("spotstream-grace-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
    std::ofstream(advisor_) << kAdvisor;
    base_.set("risk.spot_advisor_file", advisor_.string());
    // The reference scenario's big node: c5.24xlarge above the safety gate once its pool's swings
    // show, so it is told to SWITCH (to m5.24xlarge) at some instant after its join.
    const TimestampMs t0 = kJoin + kMinuteMs;
    market_.swinging(t0, t0 + 4 * kHourMs, "us-east-1a", "c5.24xlarge", 0.9, 0.7);
    market_.calm(t0, t0 + 4 * kHourMs, "us-east-1a", "m5.24xlarge", 0.0);
    market_.join(kJoin, "big", "us-east-1a", "c5.24xlarge", "batch");
    // Signals for instances not in the fleet, on both signals partitions: a run has read every
    // input partition once it has read every message, and then (before the fix) took the signals
    // partitions for idle and decided the instants the risk table had.
    for (int i = 0; i < 8; ++i) market_.signal(t0, SignalKind::Rebalance, "elsewhere-" + std::to_string(i));
    std::stable_sort(market_.events.begin(), market_.events.end(), [](const Event& a, const Event& b) {
      return std::visit([](const auto& v) { return v.ts; }, a) < std::visit([](const auto& v) { return v.ts; }, b);
    });
    EventPublisher pub(base_);
    for (const auto& e : market_.events) pub.publish(e);
    pub.flush();
    published_ = market_.events.size();
    std::set<std::int32_t> parts;
    for (const auto& r : read_topic(base_, base_.get_string("topics.signals"))) parts.insert(r.partition);
    ASSERT_EQ(parts.size(), 2u) << "both signals partitions must hold a signal";
  }
  void TearDown() override { std::filesystem::remove(advisor_); }

  Config config(const std::string& group) const {
    Config cfg = base_;
    cfg.set("consumer.group", group);
    cfg.set("topics.decisions", "decisions." + group);
    cfg.set("runtime.idle_exit_ms", "1000");
    return cfg;
  }

  //! Runs `cfg` until it idles out having read `fresh` new messages (default: every published
  //! one, for a new group), or until `stop` is set; `during` runs meanwhile on its own thread with
  //! the run's risk table and metrics.
  using During = std::function<void(const RiskTable&, const ProcessMetrics&)>;
  int run(const Config& cfg, std::atomic<bool>& stop, const During& during = {}, std::size_t fresh = 0) {
    auto services = std::make_shared<DecisionServices>(cfg);
    ProcessMetrics metrics;
    Pipeline p(cfg, live_topology(cfg, services), metrics, kafka_io(cfg));
    std::atomic<bool> done{!during};
    std::thread side([&] {
      if (!during) return;
      during(services->table, metrics);
      done = true;
    });
    const int rc = p.run(stop, [&] { return done.load() && metrics.messages_in.get() >= (fresh ? fresh : published_.load()); });
    side.join();
    return rc;
  }

  std::vector<Decision> decisions(const Config& cfg) const {
    std::vector<Decision> out;
    for (const auto& r : read_topic(base_, cfg.get_string("topics.decisions")))
      if (auto d = decode_decision(r.value); d && d->node_id == "big") out.push_back(*d);
    std::stable_sort(out.begin(), out.end(), [](const Decision& a, const Decision& b) { return a.ts < b.ts; });
    return out;
  }

  //! The first SWITCH the node gets with no signal at all.
  TimestampMs switch_time() {
    std::atomic<bool> stop{false};
    const Config cfg = config("reference");
    EXPECT_EQ(run(cfg, stop), 0);
    for (const auto& d : decisions(cfg))
      if (d.kind == DecisionKind::Switch) {
        EXPECT_GT(d.ts, kSignal) << "the signal must come before the SWITCH";
        return d.ts;
      }
    ADD_FAILURE() << "the reference run never switches the node";
    return 0;
  }

  //! Appends a rebalance recommendation for the node, stamped `ts`.
  void append_signal(TimestampMs ts) {
    Market m;
    m.signal(ts, SignalKind::Rebalance, "big");
    EventPublisher pub(base_);
    pub.publish(m.events.front());
    pub.flush();
    ++published_;
  }

  //! Waits until every published message has been read and the table is complete through `t`
  //! (the moment the instant `t` could be decided, were the signals partitions idle), and then
  //! `after` more of wall time.
  void await_decidable(const RiskTable& table, const ProcessMetrics& metrics, TimestampMs t,
                       std::chrono::milliseconds after) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while ((table.complete_through() < t || metrics.messages_in.get() < published_.load()) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_GE(table.complete_through(), t);
    EXPECT_GE(metrics.messages_in.get(), published_.load());
    std::this_thread::sleep_for(after);
  }

  static std::string dump(const std::vector<Decision>& ds) {
    std::string s;
    for (const auto& d : ds) s += encode_decision(d) + "\n";
    return s;
  }

  //! No risk-driven decision dated at or after the signal's time, and the signal's DRAIN.
  static void expect_signal_respected(const std::vector<Decision>& ds, TimestampMs signal_ts) {
    bool drained = false;
    for (const auto& d : ds) {
      if (d.signal != "none") {
        drained = drained || d.kind == DecisionKind::Drain;
      } else if (d.model != kSignalRulesModel) {  // the join's STAY is not risk-driven
        EXPECT_LT(d.ts, signal_ts) << "a risk-driven decision after the node's signal:\n" << dump(ds);
      }
    }
    EXPECT_TRUE(drained) << dump(ds);
  }

  Config base_;
  std::unique_ptr<EmbeddedCluster> cluster_;
  std::filesystem::path advisor_;
  Market market_;
  std::atomic<std::size_t> published_{0};
};

}  // namespace

// The signal is appended 300 ms after the risk table is complete past the SWITCH instant: the
// instant waits for the grace (5 s by default), the signal is read meanwhile, and the node gets its
// DRAIN and no SWITCH. Without the grace the SWITCH was published before the signal was read.
TEST_F(SignalGrace, ASignalAppendedJustAfterThePricesStillPrevailsOverTheRisk) {
  const TimestampMs sw = switch_time();
  const TimestampMs signal_ts = kSignal;
  const Config cfg = config("late-signal");
  std::atomic<bool> stop{false};
  EXPECT_EQ(run(cfg, stop, [&](const RiskTable& table, const ProcessMetrics& metrics) {
              await_decidable(table, metrics, sw, std::chrono::milliseconds(2000));
              append_signal(signal_ts);
            }),
            0);
  expect_signal_respected(decisions(cfg), signal_ts);
}

// Stopped (SIGTERM) once the table is complete past the SWITCH instant but before the signal is
// appended: the stopping run leaves the instant to the next one instead of deciding it on the
// way out, and the restart in the same group, which reads the signal, never switches the node.
// Together the two runs publish the decisions an uninterrupted run over the same topics does.
TEST_F(SignalGrace, AStopLeavesUndecidedInstantsToTheRestart) {
  const TimestampMs sw = switch_time();
  const TimestampMs signal_ts = kSignal;
  const Config cfg = config("stopped");
  std::atomic<bool> stop{false};
  EXPECT_EQ(run(cfg, stop, [&](const RiskTable& table, const ProcessMetrics& metrics) {
              await_decidable(table, metrics, sw, std::chrono::milliseconds(50));
              stop = true;
            }),
            0);
  append_signal(signal_ts);
  std::atomic<bool> no_stop{false};
  EXPECT_EQ(run(cfg, no_stop, {}, 1), 0);  // the first run read and committed everything else
  const auto both = decisions(cfg);
  expect_signal_respected(both, signal_ts);

  const Config whole = config("uninterrupted");
  EXPECT_EQ(run(whole, no_stop), 0);
  std::set<std::string> ids_both, ids_whole;
  for (const auto& d : both) ids_both.insert(d.decision_id);
  for (const auto& d : decisions(whole)) ids_whole.insert(d.decision_id);
  EXPECT_EQ(ids_both, ids_whole) << "stopped then restarted:\n" << dump(both) << "uninterrupted:\n" << dump(decisions(whole));
}
