#include <gtest/gtest.h>

#include "src/runtime/watermarks.hpp"

using namespace spotstream;

namespace {
WatermarkTracker tracker() {
  return WatermarkTracker({{"p", InputKind::Prices}, {"s", InputKind::Signals}, {"f", InputKind::Fleet}});
}
}  // namespace

TEST(Watermarks, SlowestLivePartitionHoldsTheInputBack) {
  auto w = tracker();
  std::map<PartitionKey, bool> assignment{{{"f", 0}, false}, {{"f", 1}, false}};
  w.observe({"f", 0}, 1000);
  w.observe({"f", 1}, 300);
  w.observe({"f", 1}, 200);  // out of order within a partition: max is kept
  w.recompute(assignment);
  EXPECT_EQ(w.current().fleet, 300);
  EXPECT_EQ(w.current().prices, Watermarks::kMin);
}

// A partition read to its end still holds the input back: its producer may yet append an event
// older than what other partitions have shown (this let a parked signal expire before its node's
// join arrived, in a restart test under load).
TEST(Watermarks, UnreadOrIdlePartitionsHoldTheInputBack) {
  auto w = tracker();
  std::map<PartitionKey, bool> assignment{{{"f", 0}, false}, {{"f", 1}, false}};
  w.observe({"f", 0}, 1000);
  w.recompute(assignment);
  EXPECT_EQ(w.current().fleet, Watermarks::kMin);  // partition 1 may still hold old joins
  assignment[{"f", 1}] = true;                     // read to its end, but still open to producers
  w.recompute(assignment);
  EXPECT_EQ(w.current().fleet, Watermarks::kMin);
  w.observe({"f", 1}, 400);
  w.recompute(assignment);
  EXPECT_EQ(w.current().fleet, 400);
}

// A newly assigned, unread partition: the prices' watermark stays; the signals' and fleet's go back
// to it (its joins and signals are still to come), and their progress does not.
TEST(Watermarks, OnlyFleetAndSignalsGoBackForANewPartition) {
  auto w = tracker();
  std::map<PartitionKey, bool> assignment{{{"s", 0}, false}, {{"f", 0}, false}, {{"p", 0}, false}};
  w.observe({"s", 0}, 500);
  w.observe({"f", 0}, 600);
  w.observe({"p", 0}, 700);
  w.recompute(assignment);
  EXPECT_EQ(w.current().signals, 500);
  EXPECT_EQ(w.current().fleet, 600);
  EXPECT_EQ(w.current().prices, 700);
  for (const char* t : {"s", "f", "p"}) assignment[{t, 1}] = false;  // new, unread partitions arrive
  w.recompute(assignment);
  EXPECT_EQ(w.current().signals, Watermarks::kMin);
  EXPECT_EQ(w.current().fleet, Watermarks::kMin);
  EXPECT_EQ(w.current().prices, 700);
  EXPECT_EQ(w.current().signals_progress, 500);
  EXPECT_EQ(w.current().fleet_progress, 600);
  w.observe({"s", 1}, 450);
  w.observe({"f", 1}, 650);
  w.recompute(assignment);
  EXPECT_EQ(w.current().signals, 450);
  EXPECT_EQ(w.current().fleet, 600);
}

// What decisions wait for: the fleet and signals partitions assigned now, those read to their end
// not holding back. All idle: nothing to wait for. A takeover hands over unread partitions: it goes
// back (their signals may concern instants already decided elsewhere), while the progresses that
// never go back stay; once the new partitions are read to their end it is free again. An idle
// partition that has something new holds it back at what it had shown until that is read.
TEST(Watermarks, ControlProgressWaitsForPartitionsJustAssigned) {
  auto w = tracker();
  std::map<PartitionKey, bool> assignment{{{"s", 0}, false}, {{"f", 0}, false}, {{"p", 0}, false}};
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMin);  // nothing read yet
  w.observe({"s", 0}, 500);
  w.observe({"f", 0}, 600);
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, 500);
  assignment[{"s", 0}] = assignment[{"f", 0}] = true;
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMax);
  EXPECT_EQ(w.current().fleet_progress, Watermarks::kMax);

  assignment[{"s", 1}] = assignment[{"f", 1}] = false;  // taken over, unread
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMin);
  EXPECT_EQ(w.current().signals_progress, Watermarks::kMax);  // never back
  EXPECT_EQ(w.current().fleet_progress, Watermarks::kMax);
  w.observe({"s", 1}, 300);
  w.observe({"f", 1}, 350);
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, 300);
  assignment[{"s", 1}] = true;
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, 350);
  assignment[{"f", 1}] = true;
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMax);

  assignment[{"f", 0}] = false;  // a join appended to an idle partition, not read yet
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, 600);
}

// Without a fleet or signals partition (a member of a large group) nothing of them is waited for
// once they have been: what was reached stands.
TEST(Watermarks, ControlProgressWithoutControlPartitionsKeepsWhatWasReached) {
  auto w = tracker();
  std::map<PartitionKey, bool> assignment{{{"p", 0}, false}};
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMin);
  assignment = {{{"s", 0}, true}, {{"f", 0}, true}, {{"p", 0}, false}};
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMax);
  assignment = {{{"p", 0}, false}};  // revoked
  w.recompute(assignment);
  EXPECT_EQ(w.current().control_progress, Watermarks::kMax);
}

// A price partition read to its end and behind the most advanced one by more than the bound has
// stalled: it stops holding the prices' progress back, and its pools are stale from its latest
// time plus the bound. One still being read, or within the bound, has not; one that moves on
// recovers. Every change of the set changes the generation.
TEST(Watermarks, APricePartitionBehindTheOthersAtItsEndHasStalled) {
  auto w = tracker();
  w.set_stale_after(600);
  std::map<PartitionKey, bool> assignment{{{"p", 0}, true}, {{"p", 1}, false}, {{"p", 2}, true}};
  w.observe({"p", 0}, 1000);
  w.observe({"p", 1}, 1500);
  w.observe({"p", 2}, 1500);
  w.recompute(assignment);
  EXPECT_TRUE(w.stalled().empty());  // 500 behind: within the bound
  EXPECT_EQ(w.current().prices_progress, 1000);
  const auto g0 = w.current().stalled_generation;

  w.observe({"p", 1}, 1700);
  w.recompute(assignment);
  ASSERT_EQ(w.stalled().size(), 1u);  // 700 behind and at its end
  EXPECT_EQ(w.stalled().at({"p", 0}), 1000 + 600);
  EXPECT_NE(w.current().stalled_generation, g0);
  EXPECT_EQ(w.current().prices_progress, 1500);  // no longer held back by partition 0
  const auto g1 = w.current().stalled_generation;

  assignment[{"p", 0}] = false;  // more to read there: lagging, not stalled
  w.recompute(assignment);
  EXPECT_TRUE(w.stalled().empty());
  EXPECT_NE(w.current().stalled_generation, g1);

  assignment[{"p", 0}] = true;
  w.recompute(assignment);
  EXPECT_EQ(w.stalled().size(), 1u);
  w.observe({"p", 0}, 1650);  // it moved on: within the bound again
  w.recompute(assignment);
  EXPECT_TRUE(w.stalled().empty());

  auto graced = tracker();  // with a wall-time grace: stalled only once behind for that long
  graced.set_stale_after(600, 5000);
  graced.observe({"p", 0}, 1000);
  graced.observe({"p", 1}, 1700);
  const std::map<PartitionKey, bool> ends{{{"p", 0}, true}, {{"p", 1}, false}};
  graced.recompute(ends, 10000);
  EXPECT_TRUE(graced.stalled().empty());
  graced.recompute(ends, 14999);
  EXPECT_TRUE(graced.stalled().empty());
  graced.recompute(ends, 15000);
  EXPECT_EQ(graced.stalled().size(), 1u);

  auto off = tracker();  // no bound (a replay): never stalled
  off.observe({"p", 0}, 0);
  off.observe({"p", 1}, 1000000);
  off.recompute({{{"p", 0}, true}, {{"p", 1}, true}});
  EXPECT_TRUE(off.stalled().empty());
  EXPECT_EQ(off.current().prices_progress, 0);
}

// Where the prices stood when the source caught up with them: set when every assigned price
// partition has been found read to its end at least once (not necessarily in the same round),
// kept while they go on, and cleared by a partition assigned since that has not been.
TEST(Watermarks, PricesCaughtUpOnceEveryPartitionWasReadToItsEnd) {
  auto w = tracker();
  std::map<PartitionKey, bool> assignment{{{"p", 0}, false}, {{"p", 1}, false}, {{"s", 0}, true}};
  w.observe({"p", 0}, 1000);
  w.observe({"p", 1}, 800);
  w.recompute(assignment, 10);
  EXPECT_EQ(w.current().prices_caught_up, Watermarks::kMax);
  assignment[{"p", 0}] = true;  // partition 0 reaches its end...
  w.recompute(assignment, 20);
  EXPECT_EQ(w.current().prices_caught_up, Watermarks::kMax);
  assignment[{"p", 0}] = false;  // ...and has more; partition 1 reaches its end
  assignment[{"p", 1}] = true;
  w.observe({"p", 0}, 1500);
  w.observe({"p", 1}, 900);
  w.recompute(assignment, 20);  // the ends were not confirmed again: nothing is known of partition 1's end
  EXPECT_EQ(w.current().prices_caught_up, Watermarks::kMax);
  w.recompute(assignment, 30);
  EXPECT_EQ(w.current().prices_caught_up, 900);  // the prices' progress: the least advanced partition
  w.observe({"p", 1}, 5000);
  w.observe({"p", 0}, 6000);
  w.recompute(assignment, 40);
  EXPECT_EQ(w.current().prices_caught_up, 900);  // once caught up, it stays where it was
  assignment[{"p", 2}] = false;  // a partition assigned since, not read to its end yet
  w.recompute(assignment, 50);
  EXPECT_EQ(w.current().prices_caught_up, Watermarks::kMax);
  w.observe({"p", 2}, 4000);
  assignment[{"p", 2}] = true;
  w.recompute(assignment, 60);
  EXPECT_EQ(w.current().prices_caught_up, 5000);  // the prices' progress, which never goes back
  assignment.erase({"p", 2});  // revoked: forgotten
  w.forget({"p", 2});
  assignment[{"p", 3}] = true;  // an empty partition at its end holds nothing back
  w.recompute(assignment, 70);
  EXPECT_EQ(w.current().prices_caught_up, 5000);
}
