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

