#include "tests/unit/signal_test_harness.hpp"

using namespace spotstream;
using namespace spotstream::test;

TEST(SignalOperators, JoinGivesStayAndNoticesOverride) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(notice("i-1", 10 * kMinuteMs, SignalKind::Rebalance));
  h.feed(notice("i-1", 20 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Stay);
  EXPECT_EQ(h.out[0].signal, "none");
  EXPECT_EQ(h.out[1].kind, DecisionKind::Drain);
  EXPECT_EQ(h.out[1].signal, "rebalance-recommendation");
  EXPECT_EQ(h.out[1].ts, 10 * kMinuteMs);
  EXPECT_EQ(h.out[2].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[2].signal, "interruption-notice:terminate");
  EXPECT_EQ(h.out[2].action_time, 22 * kMinuteMs);
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
  h.feed(notice("i-1", 5 * kMinuteMs));
  h.feed(notice("i-1", 5 * kMinuteMs, SignalKind::Rebalance));
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[2].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[2].signal, "rebalance-recommendation");
}

TEST(SignalOperators, StopAndHibernateAreNamed) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(notice("i-1", kMinuteMs, SignalKind::Interruption, InstanceAction::Stop));
  h.feed(notice("i-1", 2 * kMinuteMs, SignalKind::Interruption, InstanceAction::Hibernate));
  EXPECT_EQ(h.out[1].signal, "interruption-notice:stop");
  EXPECT_NE(h.out[1].reason.find("stopped"), std::string::npos);
  EXPECT_EQ(h.out[2].signal, "interruption-notice:hibernate");
}

TEST(SignalOperators, DecisionIdsAreDeterministicAndDistinct) {
  Harness a, b;
  for (auto* h : {&a, &b}) {
    h->feed(join("node-1", "i-1", 0));
    h->feed(notice("i-1", kMinuteMs));
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
  in_order.feed(notice("i-1", 3 * kMinuteMs, SignalKind::Rebalance));
  in_order.feed(notice("i-1", 4 * kMinuteMs));

  overtaken.feed(notice("i-1", 4 * kMinuteMs));
  overtaken.feed(notice("i-1", 3 * kMinuteMs, SignalKind::Rebalance));
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
  h.feed(notice("i-9", 10 * kMinuteMs));
  h.state.fleet_watermark = 24 * kMinuteMs;  // within park_ms (15 min): the join may still come
  h.signals.expire(h.state);
  EXPECT_EQ(h.metrics.parked_signals_expired.get(), 0u);
  h.state.fleet_watermark = 26 * kMinuteMs;  // every join up to here has been seen: it never joined
  h.signals.expire(h.state);
  EXPECT_EQ(h.metrics.parked_signals_expired.get(), 1u);
  EXPECT_EQ(h.state.parked_count, 0u);
  h.feed(join("node-9", "i-9", 30 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 1u);  // only the STAY of the join
  EXPECT_EQ(h.out[0].kind, DecisionKind::Stay);
}

TEST(SignalOperators, ParkedTableIsBounded) {
  Harness h;
  for (int i = 0; i < 150; ++i) h.feed(notice("i-x" + std::to_string(i), kMinuteMs));
  EXPECT_EQ(h.state.parked_count, 100u);
  EXPECT_EQ(h.metrics.unknown_instance_signals.get(), 150u);
  EXPECT_EQ(h.metrics.parked_signals_overflow.get(), 50u);  // recorded, counted, not kept
}

TEST(SignalOperators, LeaveForgetsTheNodeOnceNoEarlierSignalCanArrive) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-1", "i-1", 0));  // a replayed join: no new decision
  EXPECT_EQ(h.out.size(), 1u);
  FleetEvent leave = join("node-1", "i-1", 10 * kMinuteMs);
  leave.action = FleetAction::Leave;
  h.feed(leave);
  // The fleet topic ran ahead: a notice stamped before the leave still reaches the node.
  h.feed(notice("i-1", 7 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
  // A notice stamped after the leave is recorded, not acted on.
  h.feed(notice("i-1", 12 * kMinuteMs));
  EXPECT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.metrics.unknown_instance_signals.get(), 1u);
  // Once every signal up to the leave has been seen, the node is forgotten.
  h.state.signals_watermark = 11 * kMinuteMs;
  h.fleet.forget_departed(h.state);
  EXPECT_TRUE(h.state.nodes.empty());
}

// An idle signals partition stalls the signals watermark: departed nodes are then bounded by count.
TEST(SignalOperators, DepartedNodesAreBoundedWhenTheSignalsWatermarkStalls) {
  ProcessMetrics metrics;
  SignalReactionSettings settings;
  settings.park_ms = 15 * kMinuteMs;
  settings.park_max = 100;
  settings.departed_max = 3;
  SignalReaction signals{settings, metrics};
  FleetMembership fleet{signals, metrics};
  FleetState state;
  const DecisionSink ignore = [](const Decision&, bool) {};
  for (int i = 0; i < 10; ++i) {
    const auto id = "i-" + std::to_string(i);
    fleet(join("node-" + std::to_string(i), id, i * kMinuteMs), false, state, ignore);
    FleetEvent leave = join("node-" + std::to_string(i), id, i * kMinuteMs + 1);
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
  const std::vector<Event> before = {join("node-1", "i-1", 0), Event{notice("i-1", kMinuteMs)}, join("node-2", "i-2", 0)};
  const std::vector<Event> after = {Event{notice("i-1", 2 * kMinuteMs, SignalKind::Rebalance)}, Event{notice("i-2", 3 * kMinuteMs)}};
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
  h.feed(notice("i-1", kMinuteMs));                       // live
  h.feed(join("node-1", "i-1", 0), /*replay=*/true);  // the join, replayed
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Evacuate);
}

// Before the restart the notice was read and parked (its node's join was not read yet); after it,
// the notice is replayed and the join is live: the decision was never delivered, so it must be.
TEST(SignalOperators, ReplayedParkedSignalWhoseJoinIsLiveIsEmitted) {
  Harness h;
  h.feed(notice("i-1", kMinuteMs), /*replay=*/true);
  h.feed(join("node-1", "i-1", 0));  // live
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Stay);
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
}

// Same, but the live join is read before the replay reaches the notice.
TEST(SignalOperators, ReplayedSignalForALiveJoinIsEmitted) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));                // live
  h.feed(notice("i-1", kMinuteMs), /*replay=*/true);    // replayed
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
}

// A node taken over (its join replayed) that has left since is still owed its evaluations at the
// instants before its leave, which catch-up makes once the new partitions are read: it is kept
// until then, however far the signals watermark and the decided instants have passed its leave.
TEST(SignalOperators, DepartedNodeAwaitingCatchUpIsKept) {
  Harness h;
  h.state.decided_through = 60 * kMinuteMs;  // this process has decided instants up to here
  h.feed(join("node-1", "i-1", 0), /*replay=*/true);
  FleetEvent leave = join("node-1", "i-1", 10 * kMinuteMs);
  leave.action = FleetAction::Leave;
  h.feed(leave, /*replay=*/true);
  h.state.signals_watermark = 30 * kMinuteMs;
  h.fleet.forget_departed(h.state);
  ASSERT_EQ(h.state.nodes.count("i-1"), 1u);
  EXPECT_TRUE(h.state.nodes.at("i-1").restore_pending);
  h.state.nodes.at("i-1").restore_pending = false;  // caught up (ModelDecisions::catch_up)
  h.fleet.forget_departed(h.state);
  EXPECT_EQ(h.state.nodes.count("i-1"), 0u);
}

// A signals partition is revoked while notices read from it wait for their instances' joins: they
// are dropped uncounted (the partition's next owner reads them again), neither expiring as
// unmatched here nor applying twice when the partition comes back and they are read again.
TEST(SignalOperators, ParkedSignalsOfARevokedPartitionAreDroppedUncounted) {
  Harness h;
  h.state.event_place.partition = 1;
  h.feed(notice("i-1", 10 * kMinuteMs));
  h.state.event_place.partition = 2;
  h.feed(notice("i-2", 11 * kMinuteMs));
  h.feed(notice("i-2", 12 * kMinuteMs, SignalKind::Rebalance));
  ASSERT_EQ(h.state.parked_count, 3u);
  EXPECT_EQ(h.signals.drop_parked(h.state, {2}), 2u);
  EXPECT_EQ(h.state.parked_count, 1u);
  EXPECT_EQ(h.state.parked_order.size(), 1u);
  // The partition comes back: its notice is read again, then its instance's join.
  h.feed(notice("i-2", 11 * kMinuteMs));
  h.feed(join("node-2", "i-2", 13 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 2u) << "STAY, then the notice once";
  EXPECT_EQ(h.out[1].kind, DecisionKind::Evacuate);
  h.state.fleet_watermark = 40 * kMinuteMs;
  h.signals.expire(h.state);
  EXPECT_EQ(h.metrics.parked_signals_expired.get(), 1u) << "i-1's alone";
  EXPECT_EQ(h.state.parked_count, 0u);
  EXPECT_TRUE(h.state.parked_order.empty());
}
