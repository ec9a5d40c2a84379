#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

#include "operators/decision/fleet_membership.hpp"
#include "operators/decision/signal_reaction.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

constexpr TimestampMs kMin = 60'000;

FleetEvent join(const std::string& node, const std::string& instance, TimestampMs ts) {
  FleetEvent f;
  f.action = FleetAction::Join;
  f.ts = ts;
  f.fleet = "default";
  f.node_id = node;
  f.instance_id = instance;
  f.region = "us-east-1";
  f.az = "us-east-1a";
  f.instance_type = "c5.large";
  f.product = "Linux/UNIX";
  return f;
}

Signal notice(const std::string& instance, TimestampMs ts, SignalKind kind = SignalKind::Interruption,
              InstanceAction action = InstanceAction::Terminate) {
  Signal s;
  s.kind = kind;
  s.action = kind == SignalKind::Interruption ? action : InstanceAction::None;
  s.instance_id = instance;
  s.ts = ts;
  s.action_time = kind == SignalKind::Interruption ? ts + 2 * kMin : 0;
  s.event_id = instance + "-" + std::to_string(ts);
  return s;
}

FleetEvent join_in(const std::string& node, const std::string& instance, TimestampMs ts, const std::string& az,
                   const std::string& fleet = "default") {
  FleetEvent f = join(node, instance, ts);
  f.az = az;
  f.fleet = fleet;
  return f;
}

struct Harness {
  explicit Harness(SiblingSettings siblings = {}) : signals(settings(siblings), metrics) {}
  static SignalReactionSettings settings(SiblingSettings siblings) {
    SignalReactionSettings s{15 * kMin, 100};
    s.siblings = siblings;
    return s;
  }
  ProcessMetrics metrics;
  SignalReaction signals;
  FleetMembership fleet{signals, metrics};
  FleetState state;
  std::vector<Decision> out;
  DecisionSink emit = [this](const Decision& d, bool replay) {
    if (!replay) out.push_back(d);
  };

  //! `progressed`: the inputs have progressed past every event fed so far (sibling reactions are due).
  void feed(const Event& e, bool replay = false, bool progressed = true) {
    if (auto* s = std::get_if<Signal>(&e)) signals(*s, replay, state, emit);
    if (auto* f = std::get_if<FleetEvent>(&e)) fleet(*f, replay, state, emit);
    if (progressed) signals.siblings().release(state, std::numeric_limits<TimestampMs>::max(), emit);
  }
};

std::vector<std::string> ids(const std::vector<Decision>& ds) {
  std::vector<std::string> v;
  for (const auto& d : ds) v.push_back(d.decision_id + ":" + to_string(d.kind));
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST(SignalOperators, JoinGivesStayAndNoticesOverride) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(notice("i-1", 10 * kMin, SignalKind::Rebalance));
  h.feed(notice("i-1", 20 * kMin));
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Stay);
  EXPECT_EQ(h.out[0].signal, "none");
  EXPECT_EQ(h.out[1].kind, DecisionKind::Drain);
  EXPECT_EQ(h.out[1].signal, "rebalance-recommendation");
  EXPECT_EQ(h.out[1].ts, 10 * kMin);
  EXPECT_EQ(h.out[2].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[2].signal, "interruption-notice:terminate");
  EXPECT_EQ(h.out[2].action_time, 22 * kMin);
  for (const auto& d : h.out) {
    EXPECT_EQ(d.node_id, "node-1");
    EXPECT_EQ(d.instance_id, "i-1");
    EXPECT_EQ(d.decision_id.size(), 16u);
    EXPECT_FALSE(d.reason.empty());
  }
  EXPECT_EQ(h.metrics.unknown_instance_signals.get(), 0u);
}

TEST(SignalOperators, RebalanceNeverRelaxesAnEvacuation) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(notice("i-1", 5 * kMin));
  h.feed(notice("i-1", 5 * kMin, SignalKind::Rebalance));
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[2].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[2].signal, "rebalance-recommendation");
}

TEST(SignalOperators, StopAndHibernateAreNamed) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(notice("i-1", kMin, SignalKind::Interruption, InstanceAction::Stop));
  h.feed(notice("i-1", 2 * kMin, SignalKind::Interruption, InstanceAction::Hibernate));
  EXPECT_EQ(h.out[1].signal, "interruption-notice:stop");
  EXPECT_NE(h.out[1].reason.find("stopped"), std::string::npos);
  EXPECT_EQ(h.out[2].signal, "interruption-notice:hibernate");
}

TEST(SignalOperators, DecisionIdsAreDeterministicAndDistinct) {
  Harness a, b;
  for (auto* h : {&a, &b}) {
    h->feed(join("node-1", "i-1", 0));
    h->feed(notice("i-1", kMin));
  }
  EXPECT_EQ(ids(a.out), ids(b.out));
  EXPECT_NE(a.out[0].decision_id, a.out[1].decision_id);
  Harness c;
  c.feed(join("node-1", "i-1", 1));  // a different input gives a different id
  EXPECT_NE(c.out[0].decision_id, a.out[0].decision_id);
}

// The signals and fleet topics are consumed independently: a notice may overtake its node's join.
// Both orders must produce the same decisions.
TEST(SignalOperators, SignalBeforeJoinIsParkedThenAppliedIdentically) {
  Harness in_order, overtaken;
  in_order.feed(join("node-1", "i-1", 0));
  in_order.feed(notice("i-1", 3 * kMin, SignalKind::Rebalance));
  in_order.feed(notice("i-1", 4 * kMin));

  overtaken.feed(notice("i-1", 4 * kMin));
  overtaken.feed(notice("i-1", 3 * kMin, SignalKind::Rebalance));
  EXPECT_TRUE(overtaken.out.empty());
  EXPECT_EQ(overtaken.metrics.unknown_instance_signals.get(), 2u);
  overtaken.feed(join("node-1", "i-1", 0));
  EXPECT_EQ(overtaken.metrics.parked_signals_applied.get(), 2u);
  EXPECT_EQ(ids(in_order.out), ids(overtaken.out));
  ASSERT_EQ(overtaken.out.size(), 3u);
  EXPECT_EQ(overtaken.out.back().kind, DecisionKind::Evacuate);  // applied in event-time order
  EXPECT_EQ(overtaken.state.parked_count, 0u);
}

TEST(SignalOperators, ParkedSignalExpiresOnlyWhenTheFleetWatermarkPassesIt) {
  Harness h;
  h.feed(notice("i-9", 10 * kMin));
  h.state.fleet_watermark = 24 * kMin;  // within park_ms (15 min): the join may still come
  h.signals.expire(h.state);
  EXPECT_EQ(h.metrics.parked_signals_expired.get(), 0u);
  h.state.fleet_watermark = 26 * kMin;  // every join up to here has been seen: it never joined
  h.signals.expire(h.state);
  EXPECT_EQ(h.metrics.parked_signals_expired.get(), 1u);
  EXPECT_EQ(h.state.parked_count, 0u);
  h.feed(join("node-9", "i-9", 30 * kMin));
  ASSERT_EQ(h.out.size(), 1u);  // only the STAY of the join
  EXPECT_EQ(h.out[0].kind, DecisionKind::Stay);
}

TEST(SignalOperators, ParkedTableIsBounded) {
  Harness h;
  for (int i = 0; i < 150; ++i) h.feed(notice("i-x" + std::to_string(i), kMin));
  EXPECT_EQ(h.state.parked_count, 100u);
  EXPECT_EQ(h.metrics.unknown_instance_signals.get(), 150u);
  EXPECT_EQ(h.metrics.parked_signals_overflow.get(), 50u);  // recorded, counted, not kept
}

TEST(SignalOperators, LeaveForgetsTheNodeOnceNoEarlierSignalCanArrive) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-1", "i-1", 0));  // a replayed join: no new decision
  EXPECT_EQ(h.out.size(), 1u);
  FleetEvent leave = join("node-1", "i-1", 10 * kMin);
  leave.action = FleetAction::Leave;
  h.feed(leave);
  // The fleet topic ran ahead: a notice stamped before the leave still reaches the node.
  h.feed(notice("i-1", 7 * kMin));
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
  // A notice stamped after the leave is recorded, not acted on.
  h.feed(notice("i-1", 12 * kMin));
  EXPECT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.metrics.unknown_instance_signals.get(), 1u);
  // Once every signal up to the leave has been seen, the node is forgotten.
  h.state.signals_watermark = 11 * kMin;
  h.fleet.forget_departed(h.state);
  EXPECT_TRUE(h.state.nodes.empty());
}

// An idle signals partition stalls the signals watermark: departed nodes are then bounded by count.
TEST(SignalOperators, DepartedNodesAreBoundedWhenTheSignalsWatermarkStalls) {
  ProcessMetrics metrics;
  SignalReaction signals{SignalReactionSettings{15 * kMin, 100, 3}, metrics};
  FleetMembership fleet{signals, metrics};
  FleetState state;
  const DecisionSink ignore = [](const Decision&, bool) {};
  for (int i = 0; i < 10; ++i) {
    const auto id = "i-" + std::to_string(i);
    fleet(join("node-" + std::to_string(i), id, i * kMin), false, state, ignore);
    FleetEvent leave = join("node-" + std::to_string(i), id, i * kMin + 1);
    leave.action = FleetAction::Leave;
    fleet(leave, false, state, ignore);
  }
  fleet.forget_departed(state);
  EXPECT_EQ(state.departed.size(), 3u);
  EXPECT_EQ(state.nodes.size(), 3u);
  EXPECT_TRUE(state.nodes.count("i-9") && state.nodes.count("i-7") && !state.nodes.count("i-6"));
}

// After a restart the fleet and signals topics are replayed up to the committed offsets: state is
// rebuilt, nothing already delivered is emitted again, and what is live afterwards is exactly what
// an uninterrupted run would have emitted from that point.
TEST(SignalOperators, ReplayRebuildsStateWithoutEmitting) {
  Harness uninterrupted, restarted;
  const std::vector<Event> before = {join("node-1", "i-1", 0), Event{notice("i-1", kMin)}, join("node-2", "i-2", 0)};
  const std::vector<Event> after = {Event{notice("i-1", 2 * kMin, SignalKind::Rebalance)}, Event{notice("i-2", 3 * kMin)}};
  for (const auto& e : before) uninterrupted.feed(e);
  const auto delivered_before = uninterrupted.out.size();
  for (const auto& e : after) uninterrupted.feed(e);
  for (const auto& e : before) restarted.feed(e, /*replay=*/true);
  EXPECT_TRUE(restarted.out.empty());
  for (const auto& e : after) restarted.feed(e);
  const std::vector<Decision> expected(uninterrupted.out.begin() + static_cast<long>(delivered_before), uninterrupted.out.end());
  EXPECT_EQ(ids(restarted.out), ids(expected));
  ASSERT_EQ(restarted.out.size(), 2u);
  EXPECT_EQ(restarted.out[0].kind, DecisionKind::Evacuate);  // the replayed notice is still in force
  EXPECT_EQ(restarted.metrics.unknown_instance_signals.get(), 0u);
}

// A live notice read while its node's join is still being replayed is parked, and must be emitted
// when the replayed join arrives.
TEST(SignalOperators, LiveSignalParkedDuringReplayIsEmitted) {
  Harness h;
  h.feed(notice("i-1", kMin));                       // live
  h.feed(join("node-1", "i-1", 0), /*replay=*/true);  // the join, replayed
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Evacuate);
}

// Before the restart the notice was read and parked (its node's join was not read yet); after it,
// the notice is replayed and the join is live: the decision was never delivered, so it must be.
TEST(SignalOperators, ReplayedParkedSignalWhoseJoinIsLiveIsEmitted) {
  Harness h;
  h.feed(notice("i-1", kMin), /*replay=*/true);
  h.feed(join("node-1", "i-1", 0));  // live
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Stay);
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
}

// Same, but the live join is read before the replay reaches the notice.
TEST(SignalOperators, ReplayedSignalForALiveJoinIsEmitted) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));                // live
  h.feed(notice("i-1", kMin), /*replay=*/true);    // replayed
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
}

// Siblings: the fleet's other nodes in the noticed node's pool are told at the notice's time; nodes
// in another AZ or another fleet are not; a node told once is not told again by a later notice, and
// its own notice still gives its EVACUATE.
TEST(SignalOperators, SiblingsOfANoticedNodeDrainAtTheNoticeTime) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-2", "i-2", 0));
  h.feed(join("node-3", "i-3", 0));
  h.feed(join_in("node-4", "i-4", 0, "us-east-1b"));
  h.feed(join_in("node-5", "i-5", 0, "us-east-1a", "batch"));
  h.feed(join("node-6", "i-6", 11 * kMin));  // joins after the notice
  h.out.clear();
  h.feed(notice("i-1", 10 * kMin));
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[0].why, "");  // "signal" is set where the replacement is added (ModelDecisions)
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(h.out[i].node_id, "node-" + std::to_string(i + 1));
    EXPECT_EQ(h.out[i].kind, DecisionKind::Drain);
    EXPECT_EQ(h.out[i].why, "sibling");
    EXPECT_EQ(h.out[i].ts, 10 * kMin);
    EXPECT_EQ(h.out[i].signal, "interruption-notice:terminate");
    EXPECT_NE(h.out[i].reason.find("i-1"), std::string::npos) << h.out[i].reason;
  }
  EXPECT_NE(h.out[1].decision_id, h.out[2].decision_id);
  h.out.clear();
  // node-3 was told already; node-2's own notice still gives its EVACUATE; node-6, joined since, is told.
  h.feed(notice("i-2", 12 * kMin));
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].node_id, "node-2");
  EXPECT_EQ(h.out[0].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[1].node_id, "node-6");
  EXPECT_EQ(h.out[1].why, "sibling");
}

TEST(SignalOperators, RebalanceAloneDoesNotTriggerSiblings) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-2", "i-2", 0));
  h.out.clear();
  h.feed(notice("i-1", kMin, SignalKind::Rebalance));
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].node_id, "node-1");
  SiblingSettings on;
  on.on_rebalance = true;
  Harness o(on);
  o.feed(join("node-1", "i-1", 0));
  o.feed(join("node-2", "i-2", 0));
  o.feed(notice("i-1", kMin, SignalKind::Rebalance));
  ASSERT_EQ(o.out.size(), 4u);
  EXPECT_EQ(o.out[3].node_id, "node-2");
  EXPECT_EQ(o.out[3].why, "sibling");
  EXPECT_EQ(o.out[3].signal, "rebalance-recommendation");
}

TEST(SignalOperators, SiblingReactionModesAndMinimumCount) {
  for (const auto mode : {SiblingSettings::Mode::None, SiblingSettings::Mode::Switch}) {
    SiblingSettings s;
    s.mode = mode;
    Harness h(s);
    h.feed(join("node-1", "i-1", 0));
    h.feed(join("node-2", "i-2", 0));
    h.feed(notice("i-1", kMin));
    if (mode == SiblingSettings::Mode::None) {
      EXPECT_EQ(h.out.size(), 3u);
    } else {
      ASSERT_EQ(h.out.size(), 4u);
      EXPECT_EQ(h.out[3].kind, DecisionKind::Switch);
      EXPECT_EQ(h.out[3].why, "sibling");
    }
  }
  // Two distinct instances within 10 minutes: the first notice alone, and one 15 minutes later,
  // do not trigger; a third within 10 minutes of the second does.
  SiblingSettings two;
  two.min_notices = 2;
  Harness h(two);
  for (int i = 1; i <= 4; ++i) h.feed(join("node-" + std::to_string(i), "i-" + std::to_string(i), 0));
  h.out.clear();
  h.feed(notice("i-1", 0));
  h.feed(notice("i-1", kMin));  // the same instance again: still one
  h.feed(notice("i-2", 15 * kMin));
  EXPECT_EQ(h.out.size(), 3u);
  h.feed(notice("i-3", 20 * kMin));
  ASSERT_EQ(h.out.size(), 5u);
  EXPECT_EQ(h.out[4].node_id, "node-4");
  EXPECT_EQ(h.out[4].why, "sibling");
  EXPECT_NE(h.out[4].reason.find("2 instance(s) of the pool within 10 min"), std::string::npos) << h.out[4].reason;
}

// A notice that overtook its node's join is applied on the join, and its siblings are told then,
// with the notice's time; replayed, nothing is emitted again and the siblings' state is rebuilt.
TEST(SignalOperators, ParkedAndReplayedNoticesReachSiblings) {
  Harness live, replayed;
  for (auto* h : {&live, &replayed}) {
    const bool replay = h == &replayed;
    h->feed(join("node-2", "i-2", 0), replay);
    h->feed(notice("i-1", 5 * kMin), replay);
    h->feed(join("node-1", "i-1", 0), replay);
  }
  ASSERT_EQ(live.out.size(), 4u);
  EXPECT_EQ(live.out[3].node_id, "node-2");
  EXPECT_EQ(live.out[3].ts, 5 * kMin);
  EXPECT_EQ(live.out[3].why, "sibling");
  EXPECT_TRUE(replayed.out.empty());
  EXPECT_EQ(replayed.state.nodes.at("i-2").signal_at, 5 * kMin);
}

// The signals partitions deliver in any order: two notices of one pool read in either order, then
// released, give the same decisions: the earlier notice tells both other nodes (at 5 minutes node-2
// had no signal yet); node-2's own notice gives its EVACUATE and tells no one again.
TEST(SignalOperators, SiblingDecisionsDoNotDependOnTheOrderSignalsAreRead) {
  Harness in_order, reversed;
  for (auto* h : {&in_order, &reversed}) {
    h->feed(join("node-1", "i-1", 0));
    h->feed(join("node-2", "i-2", 0));
    h->feed(join("node-3", "i-3", 0));
  }
  in_order.feed(notice("i-1", 5 * kMin), false, false);
  in_order.feed(notice("i-2", 7 * kMin), false, false);
  reversed.feed(notice("i-2", 7 * kMin), false, false);
  reversed.feed(notice("i-1", 5 * kMin), false, false);
  EXPECT_EQ(in_order.state.sibling_due.size(), 2u);
  for (auto* h : {&in_order, &reversed}) h->signals.siblings().release(h->state, 6 * kMin, h->emit);
  EXPECT_EQ(reversed.state.sibling_due.size(), 1u);  // the later one waits for the inputs to pass it
  for (auto* h : {&in_order, &reversed}) h->signals.siblings().release(h->state, 7 * kMin, h->emit);
  EXPECT_EQ(ids(in_order.out), ids(reversed.out));
  std::set<std::string> told;
  for (const auto& d : in_order.out)
    if (d.why == "sibling") {
      told.insert(d.node_id);
      EXPECT_EQ(d.ts, 5 * kMin);
    }
  EXPECT_EQ(told, (std::set<std::string>{"node-2", "node-3"}));
}

// A node taken over (its join replayed) that has left since is still owed its evaluations at the
// instants before its leave, which catch-up makes once the new partitions are read: it is kept
// until then, however far the signals watermark and the decided instants have passed its leave.
TEST(SignalOperators, DepartedNodeAwaitingCatchUpIsKept) {
  Harness h;
  h.state.decided_through = 60 * kMin;  // this process has decided instants up to here
  h.feed(join("node-1", "i-1", 0), /*replay=*/true);
  FleetEvent leave = join("node-1", "i-1", 10 * kMin);
  leave.action = FleetAction::Leave;
  h.feed(leave, /*replay=*/true);
  h.state.signals_watermark = 30 * kMin;
  h.fleet.forget_departed(h.state);
  ASSERT_EQ(h.state.nodes.count("i-1"), 1u);
  EXPECT_TRUE(h.state.nodes.at("i-1").restore_pending);
  h.state.nodes.at("i-1").restore_pending = false;  // caught up (ModelDecisions::catch_up)
  h.fleet.forget_departed(h.state);
  EXPECT_EQ(h.state.nodes.count("i-1"), 0u);
}
