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
