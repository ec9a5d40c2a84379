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
    std::lock_guard lock(lane.mu);
    for (auto& o : outputs) {
      if (o.batch) o.batch->done();
      // Records already on Kafka and Kafka's progress marks have no place here.
      if (o.history_only || o.partition >= 0) continue;
      if (!lane.held.empty() && o.ts < lane.held.back().ts) lane.in_order = false;
      lane.held.push_back(std::move(o));
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
  if (bound > released_) release(bound);
  // Backpressure: the shards wait for the consumer rather than pile outputs up in memory. The
  // consumer can always make progress on what is ready, so this never waits on another lane.
  space_cv_.wait(lock, [&] { return ready_outputs_ <= max_ready_ || stopping_ || error_; });
}

void OrderedSink::release(TimestampMs bound) {
  Round round;
  std::size_t n = 0;
  for (auto& l : lanes_) {
    std::vector<Output> run;
    {
      std::lock_guard lock(l->mu);
      auto& held = l->held;
      const auto older = [bound](const Output& o) { return o.ts < bound; };
      // A lane's outputs come in event-time order but for the rare late event.
      const auto split = l->in_order ? std::partition_point(held.begin(), held.end(), older)
                                     : std::stable_partition(held.begin(), held.end(), older);
      run.assign(std::make_move_iterator(held.begin()), std::make_move_iterator(split));
      held.erase(held.begin(), split);
      if (!l->in_order) l->in_order = std::is_sorted(held.begin(), held.end(), [](const Output& a, const Output& b) {
        return a.ts < b.ts;
      });
    }
    for (const auto& o : run) out_of_order_ += o.ts < released_;
    n += run.size();
    if (!run.empty()) round.push_back(std::move(run));
  }
  released_ = std::max(released_, bound);
  if (n == 0) return;
  ready_.push_back(std::move(round));
  ready_outputs_ += n;
  ready_cv_.notify_one();
}

namespace {

//! The order outputs are handed over in: time, key, topic.
bool before(const Output& a, const Output& b) {
  if (a.ts != b.ts) return a.ts < b.ts;
  if (const int c = a.key.compare(b.key); c != 0) return c < 0;
  return a.topic < b.topic;
}

//! One release's runs in order (stable: a lane's own order where they tie).
std::vector<Output> merged(std::vector<std::vector<Output>>& runs) {
  if (runs.size() == 1 && std::is_sorted(runs[0].begin(), runs[0].end(), before)) return std::move(runs[0]);
  std::vector<Output*> order;
  for (auto& r : runs)
    for (auto& o : r) order.push_back(&o);
  std::stable_sort(order.begin(), order.end(), [](const Output* a, const Output* b) { return before(*a, *b); });
  std::vector<Output> out;
  out.reserve(order.size());
  for (auto* o : order) out.push_back(std::move(*o));
  return out;
}

}  // namespace

void OrderedSink::consume_loop() {
  std::vector<Round> rounds;
  std::unique_lock lock(mu_);
  for (;;) {
    ready_cv_.wait(lock, [&] { return !ready_.empty() || stopping_; });
    if (ready_.empty()) return;  // stopping, and everything consumed
    rounds.swap(ready_);
    lock.unlock();
    std::size_t n = 0;
    for (auto& round : rounds) {
      auto batch = merged(round);
      n += batch.size();
      try {
        if (!error_) consumer_(batch);
      } catch (...) {
        std::lock_guard relock(mu_);
        error_ = std::current_exception();
        fatal_.store(true);
      }
    }
    rounds.clear();
    lock.lock();
    ready_outputs_ -= n;
    space_cv_.notify_all();
  }
}

void OrderedSink::stop_and_join() {
  {
    std::lock_guard lock(mu_);
    release(Watermarks::kMax);
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
