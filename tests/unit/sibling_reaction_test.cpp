// The sibling reaction driven directly (operators/decision/sibling_reaction.hpp): who is told, when,
// in which mode, and that the order the signals partitions are read in does not matter.
#include <set>

#include "tests/unit/signal_test_harness.hpp"

using namespace spotstream;
using namespace spotstream::test;

// Siblings: the fleet's other nodes in the noticed node's pool are told at the notice's time; nodes
// in another AZ or another fleet are not; a node told once is not told again by a later notice, and
// its own notice still gives its EVACUATE.
TEST(SiblingReaction, SiblingsOfANoticedNodeDrainAtTheNoticeTime) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-2", "i-2", 0));
  h.feed(join("node-3", "i-3", 0));
  h.feed(join_in("node-4", "i-4", 0, "us-east-1b"));
  h.feed(join_in("node-5", "i-5", 0, "us-east-1a", "batch"));
  h.feed(join("node-6", "i-6", 11 * kMinuteMs));  // joins after the notice
  h.out.clear();
  h.feed(notice("i-1", 10 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 3u);
  EXPECT_EQ(h.out[0].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[0].why, "");  // "signal" is set where the replacement is added (ModelDecisions)
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(h.out[i].node_id, "node-" + std::to_string(i + 1));
    EXPECT_EQ(h.out[i].kind, DecisionKind::Drain);
    EXPECT_EQ(h.out[i].why, "sibling");
    EXPECT_EQ(h.out[i].ts, 10 * kMinuteMs);
    EXPECT_EQ(h.out[i].signal, "interruption-notice:terminate");
    EXPECT_NE(h.out[i].reason.find("i-1"), std::string::npos) << h.out[i].reason;
  }
  EXPECT_NE(h.out[1].decision_id, h.out[2].decision_id);
  h.out.clear();
  // node-3 was told already; node-2's own notice still gives its EVACUATE; node-6, joined since, is told.
  h.feed(notice("i-2", 12 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0].node_id, "node-2");
  EXPECT_EQ(h.out[0].kind, DecisionKind::Evacuate);
  EXPECT_EQ(h.out[1].node_id, "node-6");
  EXPECT_EQ(h.out[1].why, "sibling");
}

TEST(SiblingReaction, RebalanceAloneDoesNotTriggerSiblings) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-2", "i-2", 0));
  h.out.clear();
  h.feed(notice("i-1", kMinuteMs, SignalKind::Rebalance));
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].node_id, "node-1");
  SiblingSettings on;
  on.on_rebalance = true;
  Harness o(on);
  o.feed(join("node-1", "i-1", 0));
  o.feed(join("node-2", "i-2", 0));
  o.feed(notice("i-1", kMinuteMs, SignalKind::Rebalance));
  ASSERT_EQ(o.out.size(), 4u);
  EXPECT_EQ(o.out[3].node_id, "node-2");
  EXPECT_EQ(o.out[3].why, "sibling");
  EXPECT_EQ(o.out[3].signal, "rebalance-recommendation");
}

TEST(SiblingReaction, SiblingReactionModesAndMinimumCount) {
  for (const auto mode : {SiblingSettings::Mode::None, SiblingSettings::Mode::Switch}) {
    SiblingSettings s;
    s.mode = mode;
    Harness h(s);
    h.feed(join("node-1", "i-1", 0));
    h.feed(join("node-2", "i-2", 0));
    h.feed(notice("i-1", kMinuteMs));
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
  h.feed(notice("i-1", kMinuteMs));  // the same instance again: still one
  h.feed(notice("i-2", 15 * kMinuteMs));
  EXPECT_EQ(h.out.size(), 3u);
  h.feed(notice("i-3", 20 * kMinuteMs));
  ASSERT_EQ(h.out.size(), 5u);
  EXPECT_EQ(h.out[4].node_id, "node-4");
  EXPECT_EQ(h.out[4].why, "sibling");
  EXPECT_NE(h.out[4].reason.find("2 instance(s) of the pool within 10 min"), std::string::npos) << h.out[4].reason;
}

// A notice that overtook its node's join is applied on the join, and its siblings are told then,
// with the notice's time; replayed, nothing is emitted again and the siblings' state is rebuilt.
TEST(SiblingReaction, ParkedAndReplayedNoticesReachSiblings) {
  Harness live, replayed;
  for (auto* h : {&live, &replayed}) {
    const bool replay = h == &replayed;
    h->feed(join("node-2", "i-2", 0), replay);
    h->feed(notice("i-1", 5 * kMinuteMs), replay);
    h->feed(join("node-1", "i-1", 0), replay);
  }
  ASSERT_EQ(live.out.size(), 4u);
  EXPECT_EQ(live.out[3].node_id, "node-2");
  EXPECT_EQ(live.out[3].ts, 5 * kMinuteMs);
  EXPECT_EQ(live.out[3].why, "sibling");
  EXPECT_TRUE(replayed.out.empty());
  EXPECT_EQ(replayed.state.nodes.at("i-2").signal_at, 5 * kMinuteMs);
}

// The signals partitions deliver in any order: two notices of one pool read in either order, then
// released, give the same decisions: the earlier notice tells both other nodes (at 5 minutes node-2
// had no signal yet); node-2's own notice gives its EVACUATE and tells no one again.
TEST(SiblingReaction, SiblingDecisionsDoNotDependOnTheOrderSignalsAreRead) {
  Harness in_order, reversed;
  for (auto* h : {&in_order, &reversed}) {
    h->feed(join("node-1", "i-1", 0));
    h->feed(join("node-2", "i-2", 0));
    h->feed(join("node-3", "i-3", 0));
  }
  in_order.feed(notice("i-1", 5 * kMinuteMs), false, false);
  in_order.feed(notice("i-2", 7 * kMinuteMs), false, false);
  reversed.feed(notice("i-2", 7 * kMinuteMs), false, false);
  reversed.feed(notice("i-1", 5 * kMinuteMs), false, false);
  EXPECT_EQ(in_order.state.sibling_due.size(), 2u);
  for (auto* h : {&in_order, &reversed}) h->signals.siblings().release(h->state, 6 * kMinuteMs, h->emit);
  EXPECT_EQ(reversed.state.sibling_due.size(), 1u);  // the later one waits for the inputs to pass it
  for (auto* h : {&in_order, &reversed}) h->signals.siblings().release(h->state, 7 * kMinuteMs, h->emit);
  EXPECT_EQ(ids(in_order.out), ids(reversed.out));
  std::set<std::string> told;
  for (const auto& d : in_order.out)
    if (d.why == "sibling") {
      told.insert(d.node_id);
      EXPECT_EQ(d.ts, 5 * kMinuteMs);
    }
  EXPECT_EQ(told, (std::set<std::string>{"node-2", "node-3"}));
}


namespace {

FleetEvent leave(const std::string& node, const std::string& instance, TimestampMs ts) {
  FleetEvent f = join(node, instance, ts);
  f.action = FleetAction::Leave;
  return f;
}

// The siblings told (node ids), in order.
std::vector<std::string> told(const std::vector<Decision>& ds) {
  std::vector<std::string> v;
  for (const auto& d : ds)
    if (d.why == "sibling") v.push_back(d.node_id + "@" + std::to_string(d.ts));
  return v;
}

const DecisionSink kIgnore = [](const Decision&, bool) {};

}  // namespace

// A run stopped before the inputs passed a notice leaves its siblings owed: node-2's leave, stamped
// before the notice, is read only after the stop. The restart reads the notice again as owed (as
// the commit recorded) and tells node-3 alone: what one run that read everything tells.
TEST(SiblingReaction, AStopLeavesLiveNoticesOwedAndTheRestartTellsThem) {
  Harness one;  // reference: one run, the leave read before the siblings are told
  one.feed(join("node-1", "i-1", 0));
  one.feed(join("node-2", "i-2", 0));
  one.feed(join("node-3", "i-3", 0));
  one.feed(notice("i-1", 10 * kMinuteMs), false, false);
  one.feed(leave("node-2", "i-2", 5 * kMinuteMs));
  ASSERT_EQ(told(one.out), std::vector<std::string>{"node-3@" + std::to_string(10 * kMinuteMs)});

  Harness stopped;
  for (const char* n : {"1", "2", "3"}) stopped.feed(join(std::string("node-") + n, std::string("i-") + n, 0));
  stopped.state.event_place = SignalPlace{4, 17, false};
  stopped.feed(notice("i-1", 10 * kMinuteMs), false, false);
  stopped.signals.siblings().settle(stopped.state, true, stopped.emit);
  EXPECT_TRUE(told(stopped.out).empty());
  EXPECT_EQ(SiblingReaction::owed_from(stopped.state), (std::map<std::int32_t, std::int64_t>{{4, 17}}));

  Harness restarted;
  for (const char* n : {"1", "2", "3"}) restarted.feed(join(std::string("node-") + n, std::string("i-") + n, 0), true);
  restarted.state.event_place = SignalPlace{4, 17, true};
  restarted.feed(notice("i-1", 10 * kMinuteMs), true, false);
  EXPECT_TRUE(restarted.out.empty());  // the notice's own EVACUATE went before the stop
  restarted.state.event_place = SignalPlace{};
  restarted.feed(leave("node-2", "i-2", 5 * kMinuteMs));
  EXPECT_EQ(told(restarted.out), told(one.out));
  EXPECT_EQ(ids(restarted.out), ids({one.out.back()}));
}

// What the next run cannot tell exactly as this one would is told at the stop: a notice replayed
// (its siblings told before the restart), and one behind a later notice of its partition already
// told (the next run would take that one as owed too and tell its siblings twice). Without a commit
// that records what is owed, everything is told.
TEST(SiblingReaction, AStopTellsWhatItCannotLeaveOwed) {
  Harness h;
  h.feed(join("node-1", "i-1", 0));
  h.feed(join("node-2", "i-2", 0));
  h.feed(join_in("node-3", "i-3", 0, "us-east-1b"));
  h.feed(join_in("node-4", "i-4", 0, "us-east-1b"));
  h.state.event_place = SignalPlace{0, 3, false};
  h.feed(notice("i-5", 10 * kMinuteMs), false, false);  // parked: node-5 has not joined
  h.state.event_place = SignalPlace{0, 7, false};
  h.feed(notice("i-3", 20 * kMinuteMs));  // told: node-4 drains
  h.state.event_place = SignalPlace{};
  h.feed(join("node-5", "i-5", 0), false, false);  // the parked notice applies: node-1 and node-2 due
  ASSERT_EQ(h.state.sibling_due.size(), 1u);
  h.out.clear();
  h.signals.siblings().settle(h.state, true, h.emit);
  EXPECT_EQ(told(h.out), (std::vector<std::string>{"node-1@" + std::to_string(10 * kMinuteMs),
                                                   "node-2@" + std::to_string(10 * kMinuteMs)}));
  EXPECT_TRUE(SiblingReaction::owed_from(h.state).empty());

  Harness replayed;
  replayed.feed(join("node-1", "i-1", 0), true);
  replayed.feed(join("node-2", "i-2", 0));
  replayed.state.event_place = SignalPlace{0, 2, false};
  replayed.feed(notice("i-1", 10 * kMinuteMs), true, false);
  replayed.signals.siblings().settle(replayed.state, true, replayed.emit);
  EXPECT_EQ(told(replayed.out), std::vector<std::string>{"node-2@" + std::to_string(10 * kMinuteMs)});
  EXPECT_TRUE(SiblingReaction::owed_from(replayed.state).empty());

  Harness no_record;
  no_record.feed(join("node-1", "i-1", 0));
  no_record.feed(join("node-2", "i-2", 0));
  no_record.state.event_place = SignalPlace{0, 2, false};
  no_record.feed(notice("i-1", 10 * kMinuteMs), false, false);
  no_record.signals.siblings().settle(no_record.state, false, kIgnore);
  EXPECT_TRUE(no_record.state.sibling_due.empty());
  EXPECT_TRUE(SiblingReaction::owed_from(no_record.state).empty());
}
