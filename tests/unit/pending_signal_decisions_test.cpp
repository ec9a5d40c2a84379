#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "topology/pending_signal_decisions.hpp"

using namespace spotstream;

namespace {
constexpr TimestampMs kMin = std::numeric_limits<TimestampMs>::min();
constexpr TimestampMs kMax = std::numeric_limits<TimestampMs>::max();
constexpr TimestampMs kGrid = 300'000, kLate = 600'000;

PendingSignalDecisions::Entry entry(TimestampMs ts, std::string id, InputBatch* batch = nullptr) {
  PendingSignalDecisions::Entry e;
  e.decision.ts = ts;
  e.decision.instance_id = std::move(id);
  e.held = batch;
  return e;
}
}  // namespace

// A signal at 10:07 (in the grid cell 10:05..10:10) needs the table complete through the cell of
// 10:07 less the allowed lateness (10 min) and 1 ms: 09:55..10:00.
TEST(PendingSignalDecisions, ReadyOnceTheTableHoldsTheCellOfTheSignalLessTheLateness) {
  PendingSignalDecisions p(10'000, kLate, kGrid);
  const TimestampMs t = 10 * 3'600'000 + 7 * 60'000;
  const TimestampMs cell_start = 9 * 3'600'000 + 55 * 60'000;  // 09:55
  EXPECT_FALSE(p.ready(t, kMin));  // nothing scored yet
  EXPECT_FALSE(p.ready(t, cell_start - 1));
  EXPECT_TRUE(p.ready(t, cell_start));
  EXPECT_TRUE(p.ready(t, kMax));  // no price at all: nothing to wait for
}

// Once the prices are caught up (at 08:00), a later signal waits only for the scores up to there.
TEST(PendingSignalDecisions, CaughtUpPricesBoundWhatASignalWaitsFor) {
  PendingSignalDecisions p(10'000, kLate, kGrid);
  const TimestampMs t = 10 * 3'600'000;
  const TimestampMs eight = 8 * 3'600'000;
  const TimestampMs complete = eight - kLate - 1;  // what the feeders say once caught up at 08:00
  EXPECT_FALSE(p.ready(t, complete));
  p.prices_caught_up(eight);
  EXPECT_TRUE(p.ready(t, complete));
  EXPECT_FALSE(p.ready(t, complete - kGrid));
  PendingSignalDecisions never(0, kLate, kGrid);
  EXPECT_TRUE(never.ready(t, kMin));
}

// Deferred decisions go in the order they were caused, each once, when ready or past their
// deadline; each holds its batch until then.
TEST(PendingSignalDecisions, ReleasesInOrderOnReadinessOrDeadline) {
  PendingSignalDecisions p(5'000, kLate, kGrid);
  InputBatch batch;
  const TimestampMs early = 3'600'000, late = 50 * 3'600'000;
  p.defer(entry(late, "i-late", &batch), 1000);
  p.defer(entry(early, "i-early", &batch), 2000);
  EXPECT_EQ(batch.pending.load(), 3);  // the source's own hold, and one per deferred decision
  EXPECT_EQ(p.earliest(), early);
  std::vector<std::pair<std::string, bool>> out;
  const auto go = [&](PendingSignalDecisions::Entry& e, bool unscored) { out.emplace_back(e.decision.instance_id, unscored); };
  // The table covers the early signal but not the late one at its head: nothing overtakes it.
  p.release(early, 1500, false, go);
  EXPECT_TRUE(out.empty());
  p.release(early, 6000, false, go);  // the first's deadline (1000 + 5000) passed
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], std::make_pair(std::string("i-late"), true));
  EXPECT_EQ(out[1], std::make_pair(std::string("i-early"), false));
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.earliest(), kMax);
  p.defer(entry(late, "i-stop"), 7000);
  p.release(kMin, 7000, true, go);  // a stop: everything goes
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[2].second);
}
