// OrderedSink: whatever lane pushes them and however lanes interleave, outputs reach the consumer
// sorted by (time, key, topic), each exactly once, released only once every lane has passed them;
// an output older than what was already released goes out at once and is counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "src/runtime/ordered_sink.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

Output output(TimestampMs ts, std::string key, OutputTopic topic = OutputTopic::Risk) {
  return Output{topic, std::move(key), "v" + std::to_string(ts), ts, nullptr};
}

std::vector<std::string> names(const std::vector<Output>& outputs) {
  std::vector<std::string> out;
  for (const auto& o : outputs) out.push_back(std::to_string(o.ts) + "/" + o.key + "/" + std::to_string(int(o.topic)));
  return out;
}

}  // namespace

TEST(OrderedSink, ReleasesWhatEveryLaneHasPassedInOrder) {
  ProcessMetrics m;
  std::atomic<bool> fatal{false};
  std::vector<Output> got;
  std::mutex mu;
  OrderedSink sink([&](std::vector<Output>& o) {
    std::lock_guard lock(mu);
    std::move(o.begin(), o.end(), std::back_inserter(got));
  }, m, fatal);
  auto a = sink.lane(), b = sink.lane();
  sink.start();
  std::vector<Output> batch{output(10, "b"), output(10, "a"), output(20, "a")};
  a->push(batch);
  EXPECT_TRUE(batch.empty());
  a->progress(30);
  batch = {output(10, "c"), output(10, "a", OutputTopic::Dlq)};
  b->push(batch);
  b->progress(15);  // everything before 15 can go: lane a has passed 30
  auto consumed = [&](std::size_t n) {
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard lock(mu);
        if (got.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  };
  ASSERT_TRUE(consumed(4));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(names(got), (std::vector<std::string>{"10/a/1", "10/a/2", "10/b/1", "10/c/1"}));
  }
  batch = {output(12, "late"), output(25, "z")};  // 12 < 15, already released: out of order
  b->push(batch);
  sink.stop_and_join();
  EXPECT_EQ(names(got), (std::vector<std::string>{"10/a/1", "10/a/2", "10/b/1", "10/c/1", "12/late/1", "20/a/1", "25/z/1"}));
  EXPECT_EQ(sink.out_of_order(), 1u);
  EXPECT_EQ(m.outputs_delivered.get(), 7u);
}

// Four threads push random keys in event-time order with progress in between; the consumer gets
// exactly the brute-force sort of everything pushed.
TEST(OrderedSink, ManyLanesGiveTheSortOfEverythingPushed) {
  ProcessMetrics m;
  std::atomic<bool> fatal{false};
  std::vector<Output> got;
  OrderedSink sink([&](std::vector<Output>& o) { std::move(o.begin(), o.end(), std::back_inserter(got)); }, m, fatal, 64);
  constexpr int kLanes = 4;
  std::vector<std::unique_ptr<OutputSink::Lane>> lanes;
  for (int i = 0; i < kLanes; ++i) lanes.push_back(sink.lane());
  sink.start();
  std::vector<std::vector<Output>> pushed(kLanes);
  std::vector<std::thread> threads;
  for (int l = 0; l < kLanes; ++l)
    threads.emplace_back([&, l] {
      std::mt19937 rng(l);
      for (TimestampMs t = 0; t < 2000; t += 1 + rng() % 3) {
        std::vector<Output> batch;
        for (int k = rng() % 4; k > 0; --k) batch.push_back(output(t, "k" + std::to_string(l) + "-" + std::to_string(rng() % 50)));
        pushed[l].insert(pushed[l].end(), batch.begin(), batch.end());
        lanes[l]->push(batch);
        if (rng() % 5 == 0) lanes[l]->progress(t);  // all of t - 1 and before pushed
      }
    });
  for (auto& t : threads) t.join();
  sink.stop_and_join();
  std::vector<Output> want;
  for (auto& p : pushed) want.insert(want.end(), p.begin(), p.end());
  std::stable_sort(want.begin(), want.end(), [](const Output& x, const Output& y) {
    return x.ts != y.ts ? x.ts < y.ts : x.key < y.key;
  });
  ASSERT_GT(want.size(), 1000u);
  EXPECT_EQ(names(got), names(want));
  EXPECT_EQ(sink.out_of_order(), 0u);
}

// A consumer that throws stops the sink and raises the pipeline's fatal flag; lanes do not hang.
TEST(OrderedSink, AConsumerErrorIsKeptAndFatal) {
  ProcessMetrics m;
  std::atomic<bool> fatal{false};
  OrderedSink sink([](std::vector<Output>&) { throw std::runtime_error("disk full"); }, m, fatal, 1);
  auto a = sink.lane();
  sink.start();
  for (TimestampMs t = 0; t < 100; ++t) {
    std::vector<Output> batch{output(t, "a"), output(t, "b")};
    a->push(batch);
    a->progress(t + 1);
  }
  sink.stop_and_join();
  EXPECT_TRUE(fatal.load());
  ASSERT_TRUE(sink.error());
  EXPECT_THROW(std::rethrow_exception(sink.error()), std::runtime_error);
}
