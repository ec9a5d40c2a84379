#include <gtest/gtest.h>

#include <random>

#include "src/runtime/offset_tracker.hpp"

using namespace spotstream;

namespace {
std::unique_ptr<InputBatch> batch(std::int64_t next_offset, std::int32_t partition = 0) {
  auto b = std::make_unique<InputBatch>();
  b->next_offsets[{"t", partition}] = next_offset;
  return b;
}
}  // namespace

TEST(OffsetTracker, CommitsOnlyTheCompletedPrefix) {
  OffsetTracker t;
  auto* a = t.push(batch(10));
  auto* b = t.push(batch(20));
  bool failed = false;
  b->done();  // the younger batch finishes first
  EXPECT_FALSE(t.advance(failed));
  EXPECT_TRUE(t.committable().empty());
  a->done();
  EXPECT_TRUE(t.advance(failed));
  EXPECT_EQ(t.committable().at({"t", 0}), 20);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(OffsetTracker, OutstandingOutputsHoldTheBatch) {
  OffsetTracker t;
  auto* a = t.push(batch(5));
  a->add(2);  // two outputs derived from it
  a->done();  // source hold released
  bool failed = false;
  EXPECT_FALSE(t.advance(failed));
  a->done();
  EXPECT_FALSE(t.advance(failed));
  a->done();
  EXPECT_TRUE(t.advance(failed));
  EXPECT_EQ(t.committable().at({"t", 0}), 5);
}

TEST(OffsetTracker, FailedBatchBlocksEverythingAfterIt) {
  OffsetTracker t;
  auto* a = t.push(batch(5));
  auto* b = t.push(batch(9));
  a->failed = true;
  b->done();
  bool failed = false;
  EXPECT_FALSE(t.advance(failed));
  EXPECT_TRUE(failed);
  EXPECT_TRUE(t.committable().empty());
}

// Against a brute-force reference: random completion order, per-partition offsets; the committed
// offset must always equal the highest offset such that every batch up to it is complete.
TEST(OffsetTracker, MatchesBruteForceUnderRandomCompletionOrder) {
  for (int seed = 0; seed < 50; ++seed) {
    std::mt19937 rng(seed);
    OffsetTracker t;
    std::vector<InputBatch*> batches;
    std::vector<std::int64_t> next(3, 0);
    std::vector<std::map<std::int32_t, std::int64_t>> offsets;
    for (int i = 0; i < 40; ++i) {
      auto b = std::make_unique<InputBatch>();
      std::map<std::int32_t, std::int64_t> o;
      for (std::int32_t p = 0; p < 3; ++p)
        if (rng() % 2) {
          next[p] += 1 + rng() % 5;
          b->next_offsets[{"t", p}] = next[p];
          o[p] = next[p];
        }
      offsets.push_back(o);
      batches.push_back(t.push(std::move(b)));
    }
    std::vector<int> order(batches.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<bool> done(batches.size(), false);
    for (int idx : order) {
      batches[idx]->done();
      done[idx] = true;
      bool failed = false;
      t.advance(failed);
      std::map<std::int32_t, std::int64_t> expected;
      for (size_t i = 0; i < done.size() && done[i]; ++i)
        for (auto [p, off] : offsets[i]) expected[p] = off;
      ASSERT_EQ(t.committable().size(), expected.size()) << "seed " << seed;
      for (auto [p, off] : expected) ASSERT_EQ(t.committable().at({"t", p}), off) << "seed " << seed;
    }
  }
}

// An output deferred by shard logic holds its batch's offsets, but not the count of batches whose
// outputs made so far are all delivered (what spot.risk's progress marks wait for).
TEST(OffsetTracker, DeferredOutputsHoldTheOffsetsNotTheDeliveredCount) {
  OffsetTracker t;
  auto* a = t.push(batch(10));
  auto* b = t.push(batch(20));
  auto* c = t.push(batch(30));
  a->defer();  // a decision deferred while the batch was processed
  a->done();   // the source's hold
  b->done();
  bool failed = false;
  EXPECT_FALSE(t.advance(failed));
  EXPECT_TRUE(t.committable().empty());
  EXPECT_EQ(t.retired(), 0u);
  EXPECT_EQ(t.delivered(), 2u);  // c is still being processed
  // The deferred decision is made (OutputCollector::emit_held): an output of `a` not delivered yet.
  a->deferred.fetch_sub(1);
  EXPECT_FALSE(a->done_but_deferred());
  c->done();
  EXPECT_FALSE(t.advance(failed));
  EXPECT_EQ(t.delivered(), 2u);  // a's decision is on its way: c waits behind it, and 2 stands
  a->done();  // delivered
  EXPECT_TRUE(t.advance(failed));
  EXPECT_EQ(t.committable().at({"t", 0}), 30);
  EXPECT_EQ(t.retired(), 3u);
}

// A partition revoked while a batch holds a deferred output: the revocation does not wait for it;
// the output is dropped (its partition's next owner reads the message again), and neither that
// batch nor those behind it commit the revoked partition, while the others' offsets still go.
TEST(OffsetTracker, ARevokedPartitionIsNotCommittedByTheBatchesStillInFlight) {
  OffsetTracker t;
  auto* a = t.push(batch(10, 0));
  a->next_offsets[{"t", 1}] = 4;
  auto* b = t.push(batch(20, 0));
  b->next_offsets[{"t", 1}] = 6;
  a->defer();
  a->done();
  b->done();
  bool failed = false;
  t.advance(failed);
  EXPECT_EQ(t.delivered(), 2u) << "the revocation's wait ends here";
  EXPECT_TRUE(t.committable().empty());
  t.forget({"t", 0});
  a->drop_deferred();
  EXPECT_TRUE(t.advance(failed));
  EXPECT_FALSE(t.committable().contains({"t", 0}));
  EXPECT_EQ(t.committable().at({"t", 1}), 6);
  EXPECT_EQ(t.retired(), 2u);
}
