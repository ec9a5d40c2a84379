// A shard on its own: the lane that hands events from the source thread to the shard thread, and
// the scheduling policy the shard thread runs under (asked of the kernel from the shard thread
// itself while it processes an event).
#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "src/runtime/output_sink.hpp"
#include "src/runtime/shard.hpp"

using namespace spotstream;

namespace {

class DiscardingSink : public OutputSink {
  class DiscardingLane : public Lane {
   public:
    void push(std::vector<Output>& outputs) override { outputs.clear(); }
  };

 public:
  std::unique_ptr<Lane> lane() override { return std::make_unique<DiscardingLane>(); }
  void wait_delivered() const override {}
  void stop_and_join() override {}
};

//! Records the policy of the thread that processes its events.
class PolicyProbe : public ShardLogic {
 public:
  explicit PolicyProbe(std::atomic<int>& policy) : policy_(policy) {}
  void on_event(const Event&, const EventContext&, OutputCollector&) override { policy_.store(sched_getscheduler(0)); }

 private:
  std::atomic<int>& policy_;
};

// Events numbered by their context's offset: the order they were staged in.
void stage_numbered(EventLane::Chunk& chunk, std::int64_t from, std::int64_t count) {
  for (std::int64_t i = from; i < from + count; ++i) {
    EventContext ctx;
    ctx.offset = i;
    chunk.push_back(QueuedEvent{PriceTick{}, nullptr, ctx});
  }
}

int policy_of_shard_thread(bool batch_scheduling) {
  DiscardingSink sink;
  Counter processed;
  std::atomic<int> policy{-1};
  Shard shard(std::make_unique<PolicyProbe>(policy), sink, 16, processed, nullptr, batch_scheduling);
  shard.start();
  shard.stage(PriceTick{}, nullptr, EventContext{}, Shard::Lane::Prices);
  const std::atomic<bool> abort{false};
  shard.flush(abort);
  shard.stop_and_join();
  EXPECT_EQ(processed.get(), 1u);
  return policy.load();
}

}  // namespace

TEST(Shard, BatchSchedulingRunsTheShardThreadAsSchedBatch) {
  EXPECT_EQ(policy_of_shard_thread(true), SCHED_BATCH);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // the thread that made the shard is left as it was
}

TEST(Shard, WithoutBatchSchedulingTheShardThreadIsOrdinary) { EXPECT_EQ(policy_of_shard_thread(false), SCHED_OTHER); }

TEST(EventLane, HandsChunksOverInOrderTakenInBulksAndGivesEmptiedChunksBack) {
  EventLane lane;
  EventLane::Chunk chunk;
  stage_numbered(chunk, 0, 3);
  lane.push(chunk);
  EXPECT_TRUE(chunk.empty());
  stage_numbered(chunk, 3, 2);
  lane.push(chunk);
  EXPECT_EQ(lane.size(), 5u);
  std::vector<std::int64_t> taken;
  const auto take = [&](std::size_t max) {
    const auto bulk = lane.take(max);
    for (const auto& e : bulk) taken.push_back(e.ctx.offset);
    return bulk.size();
  };
  EXPECT_EQ(take(2), 2u);
  EXPECT_EQ(lane.size(), 3u);
  EXPECT_EQ(take(8), 1u);  // a bulk never spans two chunks
  EXPECT_EQ(take(8), 2u);
  EXPECT_EQ(take(8), 0u);
  EXPECT_EQ(lane.size(), 0u);
  EXPECT_EQ(taken, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  // Both chunks were emptied by now: the next push leaves the staging buffer one of them, its
  // storage kept.
  stage_numbered(chunk, 5, 1);
  lane.push(chunk);
  EXPECT_TRUE(chunk.empty());
  EXPECT_GE(chunk.capacity(), 2u);
}

TEST(EventLane, OneProducerAndOneConsumerThreadLoseAndReorderNothing) {
  constexpr std::int64_t kEvents = 200'000;
  EventLane lane;
  std::thread producer([&] {
    EventLane::Chunk chunk;
    std::int64_t next = 0;
    for (std::int64_t size = 1; next < kEvents; size = size % 700 + 37) {
      const std::int64_t n = std::min(size, kEvents - next);
      stage_numbered(chunk, next, n);
      next += n;
      while (lane.size() > 4096) std::this_thread::yield();
      lane.push(chunk);
    }
  });
  std::int64_t expected = 0;
  bool in_order = true;
  while (expected < kEvents) {
    for (const auto& e : lane.take(512)) in_order = in_order && e.ctx.offset == expected++;
    if (!in_order) break;
  }
  producer.join();
  EXPECT_TRUE(in_order) << "at event " << expected;
  EXPECT_EQ(expected, kEvents);
  EXPECT_EQ(lane.size(), 0u);
  EXPECT_TRUE(lane.take(512).empty());
}
