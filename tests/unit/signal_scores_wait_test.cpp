// A signal's decision takes its replacement from the risk table as of the signal's time, and waits
// (boundedly) for the table to hold those scores when the signals are read ahead of the prices.
// The decision shard is driven directly, as its shard thread drives it; the table is fed by hand
// (a feeder of the test's own), so what each decision must name is known in advance.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "src/runtime/input_batch.hpp"
#include "tests/unit/signal_test_harness.hpp"
#include "topology/decision_services.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

constexpr TimestampMs kDay2 = 86'400'000 + 10 * kHourMs;  // day 2, 10:00
constexpr TimestampMs kLateness = 10 * kMinuteMs;          // window.allowed_lateness_ms
constexpr std::int32_t kFleetPartition = 2;                  // node-1's, and its signals'

PoolRisk score(const std::string& az, TimestampMs ts, double p) {
  PoolRisk r;
  r.region = "us-east-1";
  r.az = az;
  r.instance_type = "c5.large";
  r.product = "Linux/UNIX";
  r.family = "c5";
  r.pool = az + "/c5.large/Linux/UNIX";
  r.ts = ts;
  r.crash_probability = p;
  r.model = "test@1";
  r.spot_price = 0.03;
  r.on_demand_price = 0.085;
  return r;
}

struct DecisionShardDriver {
  explicit DecisionShardDriver(const std::string& wait_ms, const std::string& departed_max = "100000",
                               const std::string& siblings = "none") {
    cfg.set("log.level", "warn");
    cfg.set("signals.departed_max", departed_max);
    cfg.set("decisions.risk_source", "local");
    cfg.set("decisions.signal_scores_wait_ms", wait_ms);
    cfg.set("decisions.sibling_reaction", siblings);
    services = std::make_shared<DecisionServices>(cfg);
    logic = live_topology(cfg, services).logic(0, metrics);
  }
  EventContext ctx(TimestampMs prices_progress, TimestampMs caught_up) const {
    EventContext c;
    c.wm.prices = c.wm.prices_progress = prices_progress;
    c.wm.prices_caught_up = caught_up;
    c.wm.fleet = c.wm.signals = c.wm.control_progress = kDay2 + kHourMs;
    c.wm.signals_assigned = c.wm.fleet_assigned = true;
    return c;
  }
  void join(TimestampMs ts) {
    out.set_batch(nullptr);
    auto c = ctx(Watermarks::kMin, Watermarks::kMax);
    c.partition = kFleetPartition;
    logic->on_event(test::join("node-1", "i-1", ts), c, out);
  }
  void leave(TimestampMs ts) {
    FleetEvent f = test::join("node-1", "i-1", ts);
    f.action = FleetAction::Leave;
    out.set_batch(nullptr);
    auto c = ctx(Watermarks::kMin, Watermarks::kMax);
    c.partition = kFleetPartition;
    logic->on_event(f, c, out);
  }
  void signal(TimestampMs ts, TimestampMs caught_up, InputBatch* batch) {
    out.set_batch(batch);
    logic->on_event(test::notice("i-1", ts), ctx(Watermarks::kMin, caught_up), out);
  }
  //! The keys and values sent to the decisions topic so far (a tombstone's value is empty).
  std::vector<std::pair<std::string, std::string>> decisions_topic() const {
    std::vector<std::pair<std::string, std::string>> v;
    for (const auto& o : const_cast<OutputCollector&>(out).outputs())
      if (o.topic == OutputTopic::Decisions && !o.history_only) v.emplace_back(o.key, o.value);
    return v;
  }
  //! The EVACUATEs emitted so far, with the batch each is tied to.
  std::vector<std::pair<Decision, InputBatch*>> evacuations() const {
    std::vector<std::pair<Decision, InputBatch*>> v;
    for (const auto& o : const_cast<OutputCollector&>(out).outputs())
      if (o.topic == OutputTopic::Decisions)
        if (auto d = decode_decision(o.value); d && d->kind == DecisionKind::Evacuate) v.emplace_back(*d, o.batch);
    return v;
  }

  Config cfg;
  ProcessMetrics metrics;
  std::shared_ptr<DecisionServices> services;
  std::unique_ptr<ShardLogic> logic;
  OutputCollector out;
};

}  // namespace

// The signal is read before any score of its time: its decision waits, holding its batch, until the
// table is complete through its time; then it names the best pool as of the signal's time (not the
// latest scores, which by then say otherwise).
TEST(SignalScoresWait, ASignalReadAheadOfThePricesWaitsForTheScoresOfItsTime) {
  DecisionShardDriver d("60000");
  auto feeder = d.services->table.add_feeder();
  d.join(kDay2 - kDay2 / 2);
  const TimestampMs t = kDay2 + 7 * kMinuteMs;
  InputBatch batch;
  d.signal(t, Watermarks::kMax, &batch);
  EXPECT_TRUE(d.evacuations().empty()) << "decided with no score of its time";
  EXPECT_EQ(batch.pending.load(), 2) << "the deferred decision holds its batch";
  EXPECT_EQ(d.metrics.signal_decisions_waited.get(), 1u);

  // The scores arrive: as of t, us-east-1b is safe; an hour later it is not and 1c is.
  feeder.update(score("us-east-1a", t - 20 * kMinuteMs, 0.95));
  feeder.update(score("us-east-1b", t - 10 * kMinuteMs, 0.10));
  feeder.update(score("us-east-1b", t + kHourMs, 0.97));
  feeder.update(score("us-east-1c", t + kHourMs, 0.05));
  feeder.advance(t + kHourMs);
  // The decision shard's own price share is complete only through 09:45, short of the cell of
  // t less the lateness (09:55-10:00): still waiting.
  d.out.set_batch(nullptr);
  d.logic->on_progress(d.ctx(kDay2 - 5 * kMinuteMs, Watermarks::kMax), d.out);
  EXPECT_TRUE(d.evacuations().empty());
  d.logic->on_progress(d.ctx(t + 1, Watermarks::kMax), d.out);  // every price partition read past t
  const auto ev = d.evacuations();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].first.target, "us-east-1b/c5.large/Linux/UNIX") << ev[0].first.reason;
  EXPECT_EQ(ev[0].second, &batch) << "the output owes its delivery to the signal's batch";
  EXPECT_EQ(batch.pending.load(), 2) << "the hold became the output's";
  EXPECT_EQ(d.metrics.signal_decisions_unscored.get(), 0u);
}

// Once the prices have been caught up with, a signal is decided at once, however far its time is
// past the table's completeness (sparse price feeds live).
TEST(SignalScoresWait, OnceThePricesAreCaughtUpASignalIsDecidedAtOnce) {
  DecisionShardDriver d("60000");
  auto feeder = d.services->table.add_feeder();
  d.join(kDay2 - kDay2 / 2);
  const TimestampMs caught_up = kDay2 - 3 * kHourMs;
  feeder.update(score("us-east-1a", caught_up - kHourMs, 0.95));
  feeder.update(score("us-east-1c", caught_up - kHourMs, 0.05));
  feeder.advance(caught_up);
  d.out.set_batch(nullptr);
  d.logic->on_progress(d.ctx(caught_up, caught_up), d.out);
  InputBatch batch;
  d.signal(kDay2, caught_up, &batch);
  const auto ev = d.evacuations();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].first.target, "us-east-1c/c5.large/Linux/UNIX") << ev[0].first.reason;
  EXPECT_EQ(d.metrics.signal_decisions_waited.get(), 0u);
}

// The scores never come: after decisions.signal_scores_wait_ms the decision goes on what the table
// has (nothing: on-demand), counted; the pipeline's stop releases what still waits.
TEST(SignalScoresWait, AfterItsBoundTheDecisionGoesOnTheScoresTheTableHas) {
  DecisionShardDriver d("50");
  d.services->table.add_feeder();  // a feeder that never advances
  d.join(kDay2 - kDay2 / 2);
  InputBatch batch;
  d.signal(kDay2, Watermarks::kMax, &batch);
  EXPECT_TRUE(d.evacuations().empty());
  d.out.set_batch(nullptr);
  d.logic->on_idle(d.out);
  EXPECT_TRUE(d.evacuations().empty()) << "gone before its bound";
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  d.logic->on_idle(d.out);
  auto ev = d.evacuations();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].first.target, kOnDemandTarget);
  EXPECT_EQ(d.metrics.signal_decisions_unscored.get(), 1u);

  DecisionShardDriver stopping("60000");
  stopping.services->table.add_feeder();
  stopping.join(kDay2 - kDay2 / 2);
  InputBatch held;
  stopping.signal(kDay2, Watermarks::kMax, &held);
  stopping.out.set_batch(nullptr);
  stopping.logic->on_finish(stopping.out, false, false);
  ev = stopping.evacuations();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].second, &held);
}

// The node leaves, and is forgotten (here: no departed node is kept, signals.departed_max=0), while
// its signal's decision waits: the decision still names its replacement from the scores of its
// time, and the node's entry on the compacted topic is cleared (tombstone) only after it.
TEST(SignalScoresWait, ANodeThatLeavesWhileItsDecisionWaitsIsStillDecidedThenCleared) {
  DecisionShardDriver d("60000", "0");
  auto feeder = d.services->table.add_feeder();
  d.join(kDay2 - kDay2 / 2);
  const TimestampMs t = kDay2 + 7 * kMinuteMs;
  InputBatch batch;
  d.signal(t, Watermarks::kMax, &batch);
  d.leave(t + 2 * kMinuteMs);
  d.out.set_batch(nullptr);
  d.logic->on_event(test::join("node-2", "i-2", t + 3 * kMinuteMs), d.ctx(Watermarks::kMin, Watermarks::kMax), d.out);
  ASSERT_EQ(d.metrics.fleet_nodes.get(), 1) << "node-1 forgotten";
  ASSERT_TRUE(d.evacuations().empty());
  feeder.update(score("us-east-1b", t - 10 * kMinuteMs, 0.10));
  feeder.update(score("us-east-1c", t + 30 * kMinuteMs, 0.05));
  feeder.advance(t + kHourMs);
  d.out.set_batch(nullptr);
  auto c = d.ctx(t + kHourMs, Watermarks::kMax);
  c.wm.control_at_end = true;
  d.logic->on_progress(c, d.out);
  d.logic->on_progress(c, d.out);
  const auto ev = d.evacuations();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].first.target, "us-east-1b/c5.large/Linux/UNIX") << ev[0].first.reason;
  EXPECT_EQ(ev[0].first.why, "signal");
  const auto topic = d.decisions_topic();
  std::ptrdiff_t evacuate = -1, cleared = -1;
  for (std::size_t i = 0; i < topic.size(); ++i) {
    if (topic[i].first != "node-1") continue;
    if (topic[i].second.empty()) cleared = static_cast<std::ptrdiff_t>(i);
    else if (topic[i].second.find("\"EVACUATE\"") != std::string::npos) evacuate = static_cast<std::ptrdiff_t>(i);
  }
  ASSERT_GE(evacuate, 0);
  EXPECT_GT(cleared, evacuate) << "the node's entry is cleared after its decision";
}

// The node's fleet partition is revoked while its signal's decision waits: the revocation does not
// wait for it; the decision is dropped and its batch let go (the new owner reads the signal again).
TEST(SignalScoresWait, ARevokedNodesWaitingDecisionIsDroppedAndItsBatchLetGo) {
  DecisionShardDriver d("60000");
  auto feeder = d.services->table.add_feeder();
  d.join(kDay2 - kDay2 / 2);
  InputBatch batch;
  d.signal(kDay2, Watermarks::kMax, &batch);
  ASSERT_EQ(batch.pending.load(), 2);
  d.logic->on_revoked({{d.cfg.get_string("topics.fleet"), kFleetPartition + 1}});
  EXPECT_EQ(batch.pending.load(), 2) << "another partition's node";
  d.logic->on_revoked({{d.cfg.get_string("topics.fleet"), kFleetPartition}});
  EXPECT_EQ(batch.pending.load(), 1) << "the hold is let go";
  EXPECT_EQ(batch.deferred.load(), 0);
  feeder.update(score("us-east-1b", kDay2 - 10 * kMinuteMs, 0.10));
  feeder.advance(kDay2 + kHourMs);
  d.out.set_batch(nullptr);
  d.logic->on_progress(d.ctx(kDay2 + kHourMs, Watermarks::kMax), d.out);
  d.logic->on_finish(d.out, true, false);
  EXPECT_TRUE(d.evacuations().empty()) << "decided by a process that no longer holds the node";

  // A decision deferred with no batch to hold (made on progress) is not read again by the new
  // owner: it still goes.
  DecisionShardDriver unheld("60000");
  auto unheld_feeder = unheld.services->table.add_feeder();
  unheld.join(kDay2 - kDay2 / 2);
  unheld.signal(kDay2, Watermarks::kMax, nullptr);
  unheld.logic->on_revoked({{unheld.cfg.get_string("topics.fleet"), kFleetPartition}});
  unheld_feeder.advance(kDay2 + kHourMs);
  unheld.out.set_batch(nullptr);
  unheld.logic->on_progress(unheld.ctx(kDay2 + kHourMs, Watermarks::kMax), unheld.out);
  EXPECT_EQ(unheld.evacuations().size(), 1u);

  // A notice parked for an instance not joined yet goes with its signals partition too.
  auto c = d.ctx(Watermarks::kMin, Watermarks::kMax);
  c.partition = kFleetPartition;
  d.out.set_batch(nullptr);
  d.logic->on_event(test::notice("i-3", kDay2 + 55 * kMinuteMs), c, d.out);  // within park_ms of the fleet's watermark
  d.logic->on_revoked({{d.cfg.get_string("topics.signals"), kFleetPartition}});
  d.logic->on_event(test::join("node-3", "i-3", kDay2 + 56 * kMinuteMs), c, d.out);
  d.logic->on_finish(d.out, true, false);
  EXPECT_TRUE(d.evacuations().empty()) << "a notice parked from a revoked partition applied";
}

// A run stopped on a signal tells the siblings of the notices it read at once (its restart takes
// those notices as delivered); their DRAINs wait for their scores like any signal decision, and
// the stop sends them too.
TEST(SignalScoresWait, AStopSendsTheSiblingReactionsItMakesWaiting) {
  DecisionShardDriver d("60000", "100000", "drain");
  d.services->table.add_feeder();  // never advances: every decision waits
  d.join(kDay2 - kDay2 / 2);
  auto c = d.ctx(Watermarks::kMin, Watermarks::kMax);
  c.partition = kFleetPartition;
  d.out.set_batch(nullptr);
  d.logic->on_event(test::join("node-2", "i-2", kDay2 - kDay2 / 2), c, d.out);
  InputBatch batch;
  d.signal(kDay2, Watermarks::kMax, &batch);
  d.out.set_batch(nullptr);
  d.logic->on_finish(d.out, false, false);
  bool evacuated = false, drained = false;
  for (const auto& [key, value] : d.decisions_topic()) {
    const auto dec = decode_decision(value);
    if (!dec) continue;
    evacuated |= dec->node_id == "node-1" && dec->kind == DecisionKind::Evacuate;
    drained |= dec->node_id == "node-2" && dec->kind == DecisionKind::Drain && dec->why == "sibling";
  }
  EXPECT_TRUE(evacuated);
  EXPECT_TRUE(drained) << "the sibling's DRAIN, made at the stop, was left waiting";
}
