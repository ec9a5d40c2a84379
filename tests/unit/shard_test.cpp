// A shard thread on its own: the scheduling policy it runs under, asked of the kernel from the
// shard thread itself while it processes an event.
#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>
#include <memory>
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
