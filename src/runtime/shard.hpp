#pragma once
//! A shard: one thread that owns the state of every key routed to it, outright (no locks).
//! Two lock-free lanes feed it: the control lane (signals and fleet events) is drained before each
//! bulk of price ticks, so an interruption notice never waits behind a price backlog.
//! The source thread is the only producer of both lanes; the shard thread the only consumer.
#include <concurrentqueue/concurrentqueue.h>
#include <concurrentqueue/lightweightsemaphore.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "src/core/event.hpp"
#include "src/runtime/event_lane.hpp"
#include "src/runtime/input_batch.hpp"
#include "src/runtime/output_sink.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/shard_logic.hpp"

namespace spotstream {

class Shard {
 public:
  enum class Lane { Control, Prices };

  //! `processed` counts the events this shard has finished with (may be shared by shards);
  //! `waited`, if given, observes the seconds from a bulk's first message read to its processing.
  //! `batch_scheduling`: the thread runs as SCHED_BATCH (Linux), so waking it with new events does
  //! not preempt the source thread that woke it; it takes a free core, or the next scheduler tick.
  //! The source reads and decodes for every shard: on few cores, each preemption of it idles them all.
  Shard(std::unique_ptr<ShardLogic> logic, OutputSink& sink, std::size_t capacity, Counter& processed,
        Histogram* waited = nullptr, bool batch_scheduling = false);
  ~Shard();

  void start();
  //! Source thread: appends to a local buffer; nothing is visible to the shard until flush().
  void stage(QueuedEvent&& e, Lane lane) { (lane == Lane::Control ? control_buf_ : price_buf_).push_back(std::move(e)); }
  //! The same, built in place in the buffer (an event is moved once less).
  template <class E>
  void stage(E&& event, InputBatch* batch, const EventContext& ctx, Lane lane) {
    (lane == Lane::Control ? control_buf_ : price_buf_).emplace_back(std::forward<E>(event), batch, ctx);
  }
  //! Source thread: hands the staging buffers to the lanes whole (waiting while a lane is over
  //! capacity: backpressure) and wakes the shard.
  void flush(const std::atomic<bool>& abort);
  //! Source thread, while the shard is idle (nothing staged or queued): the logic drops the state
  //! of revoked partitions.
  void revoked(const std::vector<PartitionKey>& parts) { logic_->on_revoked(parts); }
  //! Events queued, not yet taken up by the shard thread (any thread).
  std::size_t queued() const { return control_.size() + prices_.size(); }
  //! Processes everything queued, then stops the thread.
  void stop_and_join();
  //! After stop_and_join (of every shard): ShardLogic::on_finish on the calling thread; its outputs
  //! go to the sink untied to any input batch.
  void finish(bool input_consumed, bool may_owe);
  //! After finish(): ShardLogic::owed_from.
  std::map<PartitionKey, std::int64_t> owed_from() const { return logic_->owed_from(); }

 private:
  void loop();
  std::size_t drain(EventLane& lane, std::size_t max);
  void enqueue(EventLane& lane, EventLane::Chunk& buf, const std::atomic<bool>& abort);

  std::unique_ptr<ShardLogic> logic_;
  std::size_t capacity_;
  bool batch_scheduling_;
  Counter& processed_;
  Histogram* waited_;
  EventLane control_, prices_;
  EventLane::Chunk control_buf_, price_buf_;  // source-thread staging
  moodycamel::LightweightSemaphore wake_;
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  // shard-thread state
  OutputCollector collector_;
  std::unique_ptr<OutputSink::Lane> sink_;  //!< the shard thread's (and finish()'s) way to the sink
};

}  // namespace spotstream
