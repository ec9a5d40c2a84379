#include "src/runtime/shard.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "src/core/steady_time.hpp"
#include "src/runtime/output_sink.hpp"

namespace spotstream {

namespace {
constexpr std::size_t kControlBulk = 1024;
constexpr std::size_t kPriceBulk = 512;

void schedule_calling_thread_as_batch() {
  sched_param none{};
  if (const int err = pthread_setschedparam(pthread_self(), SCHED_BATCH, &none); err != 0)
    spdlog::warn("runtime.shard_batch_scheduling: a shard thread stays SCHED_OTHER ({})", std::strerror(err));
}
}  // namespace

Shard::Shard(std::unique_ptr<ShardLogic> logic, OutputSink& sink, std::size_t capacity, Counter& processed,
             Histogram* waited, bool batch_scheduling)
    : logic_(std::move(logic)),
      capacity_(capacity),
      batch_scheduling_(batch_scheduling),
      processed_(processed),
      waited_(waited),
      sink_(sink.lane()) {}

Shard::~Shard() {
  if (thread_.joinable()) stop_and_join();
}

void Shard::start() {
  thread_ = std::thread([this] {
    if (batch_scheduling_) schedule_calling_thread_as_batch();
    loop();
  });
}

void Shard::enqueue(EventLane& lane, EventLane::Chunk& buf, const std::atomic<bool>& abort) {
  if (buf.empty()) return;
  while (lane.size() > capacity_ && !abort.load(std::memory_order_relaxed)) {
    if (sleeping_.exchange(false)) wake_.signal();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  lane.push(buf);
}

void Shard::flush(const std::atomic<bool>& abort) {
  if (control_buf_.empty() && price_buf_.empty()) return;
  enqueue(control_, control_buf_, abort);
  enqueue(prices_, price_buf_, abort);
  if (sleeping_.exchange(false)) wake_.signal();
}

std::size_t Shard::drain(EventLane& lane, std::size_t max) {
  const std::span<QueuedEvent> work = lane.take(max);
  const std::size_t n = work.size();
  if (n == 0) return 0;
  if (waited_ && work[0].ctx.polled_ns != 0)
    waited_->observe(static_cast<double>(steady_ns() - work[0].ctx.polled_ns) / 1e9);
  // Every control event routed before these prices was enqueued before them: processed first, so
  // an operator that joins the lanes by event time sees the same order whatever the timing.
  if (&lane == &prices_)
    while (drain(control_, kControlBulk) > 0) {}
  auto& outputs = collector_.outputs();
  // Per input batch: outputs created minus events consumed, applied before the outputs reach the
  // sink so a fast delivery can never see the batch's count touch zero early. Nothing is applied
  // when nothing is owed: once the count reaches zero the source thread may free the batch at once,
  // so even a no-op add would touch freed memory.
  InputBatch* current = nullptr;
  std::int64_t delta = 0;
  const auto settle = [&] {
    if (current && delta != 0) current->add(delta);
    delta = 0;
  };
  std::uint64_t events = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto& item = work[i];
    if (item.batch != current) {
      settle();
      current = item.batch;
    }
    if (item.progress && &lane == &prices_) {
      // A progress mark promises that everything routed before it has been processed: control
      // events staged in the same flush sit in the other lane, enqueued before the mark.
      settle();
      sink_->push(outputs);
      while (drain(control_, kControlBulk) > 0) {}
    }
    if (i + 1 < n && !work[i + 1].progress) logic_->look_ahead(work[i + 1].event, work[i + 1].ctx);
    const auto before = outputs.size();
    collector_.set_batch(item.batch);
    if (item.progress) {
      logic_->on_progress(item.ctx, collector_);
    } else {
      logic_->on_event(item.event, item.ctx, collector_);
      if (!item.copy) ++events;
    }
    delta += static_cast<std::int64_t>(outputs.size() - before - collector_.take_held_outputs()) - 1;
    if (item.progress && &lane == &prices_) {
      // Everything before the mark, and what the mark itself released, is out: tell the sink.
      settle();
      sink_->push(outputs);
      sink_->progress(logic_->outputs_complete_before(item.ctx));
    }
  }
  settle();
  sink_->push(outputs);
  processed_.inc(events);
  return n;
}

void Shard::loop() {
  for (;;) {
    std::size_t n = 0;
    while (drain(control_, kControlBulk) > 0) ++n;  // signals first, always
    n += drain(prices_, kPriceBulk);
    if (n > 0) continue;
    if (stop_.load(std::memory_order_acquire) && queued() == 0) break;
    sleeping_.store(true);
    if (queued() > 0) {
      sleeping_.store(false);
      continue;
    }
    const bool woken = wake_.wait(20000);
    sleeping_.store(false);
    if (!woken) {
      collector_.set_batch(nullptr);
      logic_->on_idle(collector_);
      collector_.take_held_outputs();
      sink_->push(collector_.outputs());
    }
  }
}

void Shard::finish(bool input_consumed, bool may_owe) {
  collector_.set_batch(nullptr);
  logic_->on_finish(collector_, input_consumed, may_owe);
  collector_.take_held_outputs();
  sink_->push(collector_.outputs());
}

void Shard::stop_and_join() {
  stop_.store(true, std::memory_order_release);
  wake_.signal();
  if (thread_.joinable()) thread_.join();
}

}  // namespace spotstream
