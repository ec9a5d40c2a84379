#include "src/runtime/ordered_sink.hpp"

#include <algorithm>

namespace spotstream {

class OrderedSink::OrderedLane : public OutputSink::Lane {
 public:
  OrderedLane(OrderedSink& sink, LaneState& state) : sink_(sink), state_(state) {}
  void push(std::vector<Output>& outputs) override { sink_.push(state_, outputs); }
  void progress(TimestampMs passed) override { sink_.progress(state_, passed); }

 private:
  OrderedSink& sink_;
  LaneState& state_;
};

OrderedSink::OrderedSink(Consumer consumer, RuntimeMetrics& metrics, std::atomic<bool>& fatal, std::size_t max_ready)
    : consumer_(std::move(consumer)), metrics_(metrics), fatal_(fatal), max_ready_(max_ready) {}

OrderedSink::~OrderedSink() {
  if (thread_.joinable()) stop_and_join();
}

std::unique_ptr<OutputSink::Lane> OrderedSink::lane() {
  std::lock_guard lock(mu_);
  lanes_.push_back(std::make_unique<LaneState>());
  return std::make_unique<OrderedLane>(*this, *lanes_.back());
}

void OrderedSink::start() { thread_ = std::thread([this] { consume_loop(); }); }

void OrderedSink::push(LaneState& lane, std::vector<Output>& outputs) {
  if (outputs.empty()) return;
  const auto n = outputs.size();
  {
    std::lock_guard lock(mu_);
    for (auto& o : outputs) {
      if (o.batch) o.batch->done();
      // Records already on Kafka and Kafka's progress marks have no place here.
      if (!o.history_only && o.partition < 0) lane.held.push_back(std::move(o));
    }
  }
  metrics_.outputs_delivered.inc(n);
  outputs.clear();
}

void OrderedSink::progress(LaneState& lane, TimestampMs passed) {
  std::unique_lock lock(mu_);
  lane.passed = std::max(lane.passed, passed);
  TimestampMs bound = Watermarks::kMax;
  for (const auto& l : lanes_) bound = std::min(bound, l->passed);
  if (bound > released_) release(lock, bound);
  // Backpressure: the shards wait for the consumer rather than pile outputs up in memory. The
  // consumer can always make progress on what is ready, so this never waits on another lane.
  space_cv_.wait(lock, [&] { return ready_.size() <= max_ready_ || stopping_ || error_; });
}

void OrderedSink::release(std::unique_lock<std::mutex>& lock, TimestampMs bound) {
  (void)lock;  // held by the caller
  scratch_.clear();
  for (auto& l : lanes_) {
    auto& held = l->held;
    const auto older = [bound](const Output& o) { return o.ts < bound; };
    // A lane's outputs come in event-time order but for the rare late event.
    const auto split = std::is_partitioned(held.begin(), held.end(), older)
                           ? std::partition_point(held.begin(), held.end(), older)
                           : std::stable_partition(held.begin(), held.end(), older);
    for (auto it = held.begin(); it != split; ++it) {
      if (it->ts < released_) ++out_of_order_;
      scratch_.push_back(std::move(*it));
    }
    held.erase(held.begin(), split);
  }
  std::stable_sort(scratch_.begin(), scratch_.end(), [](const Output& a, const Output& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    if (const int c = a.key.compare(b.key); c != 0) return c < 0;
    return a.topic < b.topic;
  });
  released_ = std::max(released_, bound);
  if (scratch_.empty()) return;
  if (ready_.empty()) ready_.swap(scratch_);
  else std::move(scratch_.begin(), scratch_.end(), std::back_inserter(ready_));
  ready_cv_.notify_one();
}

void OrderedSink::consume_loop() {
  std::vector<Output> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    ready_cv_.wait(lock, [&] { return !ready_.empty() || stopping_; });
    if (ready_.empty()) return;  // stopping, and everything consumed
    batch.swap(ready_);
    space_cv_.notify_all();
    lock.unlock();
    try {
      if (!error_) consumer_(batch);
    } catch (...) {
      std::lock_guard relock(mu_);
      error_ = std::current_exception();
      fatal_.store(true);
    }
    batch.clear();
    lock.lock();
    space_cv_.notify_all();
  }
}

void OrderedSink::stop_and_join() {
  {
    std::unique_lock lock(mu_);
    release(lock, Watermarks::kMax);
    stopping_ = true;
  }
  ready_cv_.notify_all();
  space_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::exception_ptr OrderedSink::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

std::uint64_t OrderedSink::out_of_order() const {
  std::lock_guard lock(mu_);
  return out_of_order_;
}

}  // namespace spotstream
