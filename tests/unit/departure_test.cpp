// A node that leaves the fleet has its entry on the compacted spot.decisions cleared: one
// tombstone (key = node id, null value), after its last decision, once decisions have passed its
// leave; a node still in the fleet gets none.
#include "tests/unit/decision_scenarios.hpp"

using namespace spotstream;
using namespace spotstream::test;

TEST_F(DecisionScenarios, ANodeThatLeavesHasItsDecisionsEntryCleared) {
  Market m;
  const TimestampMs t0 = at("2025-01-06T14:30:00Z");
  const TimestampMs left = t0 + kHourMs + 7 * kMinuteMs;
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1a", "c5.large", 0.20);
  m.join(t0 - kMinuteMs, "stays", "us-east-1a", "c5.large");
  m.join(t0 - kMinuteMs, "goes", "us-east-1a", "c5.large");
  m.leave(left, "goes");
  publish(m);
  const auto all = run("departure");

  std::vector<const TopicRecord*> tombstones;
  for (const auto& r : records_)
    if (r.value.empty()) tombstones.push_back(&r);
  ASSERT_EQ(tombstones.size(), 1u) << dump(all);
  const auto& t = *tombstones.front();
  EXPECT_EQ(t.key, "goes");
  EXPECT_GE(t.timestamp, left);
  // Every decision for "goes" came before it, in its partition (a compacted topic keeps the last).
  for (const auto& r : records_)
    if (r.key == "goes" && !r.value.empty()) {
      EXPECT_EQ(r.partition, t.partition);
      EXPECT_LT(r.offset, t.offset) << r.value;
      EXPECT_LT(decode_decision(r.value)->ts, left) << r.value;
    }
  EXPECT_FALSE(of(all, "goes").empty());
  EXPECT_FALSE(of(all, "stays").empty());
}
