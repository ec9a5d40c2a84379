#pragma once
//! A sink that hands every output to a consumer in event-time order (a replay in process, streamed
//! to a file): outputs ordered by (time, key, topic), whatever shard made them, so the order
//! depends on the events alone and never on the number of shards or on timing. Lanes say how far
//! they have got (Lane::progress); outputs older than what every lane has passed are released, sorted,
//! to the consumer on a thread of the sink's own, while the shards work on. Nothing is kept once
//! consumed, so memory stays bounded however long the replay: a lane waits (backpressure) while
//! the consumer is more than `max_ready` outputs behind.
//! An output counts as stored once pushed (no history, no transactions); one older than what was
//! already released (an event that was late within the allowed lateness) is released at once, out
//! of order, and counted (out_of_order()).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "src/runtime/output_sink.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/watermarks.hpp"

namespace spotstream {

class OrderedSink : public OutputSink {
 public:
  //! Takes released outputs, in order; called on the sink's thread, one call at a time. May throw:
  //! the sink stops consuming, raises the pipeline's fatal flag and error() holds the exception.
  using Consumer = std::function<void(std::vector<Output>& outputs)>;

  OrderedSink(Consumer consumer, RuntimeMetrics& metrics, std::atomic<bool>& fatal, std::size_t max_ready = 1 << 16);
  ~OrderedSink() override;

  std::unique_ptr<Lane> lane() override;
  void start() override;
  void wait_delivered() const override {}
  //! Releases everything still held (every lane is done), waits for the consumer, stops its thread.
  void stop_and_join() override;

  std::exception_ptr error() const;
  std::uint64_t out_of_order() const;

 private:
  class OrderedLane;
  struct LaneState {
    std::mutex mu;             //!< guards held: its lane pushes, a release takes
    //! Pushed, not yet released. A deque: a release takes from the front, and a lane far ahead of
    //! the others holds many more outputs than one release takes.
    std::deque<Output> held;
    bool in_order = true;      //!< held is in event-time order (the usual case: no search needed)
    TimestampMs passed = Watermarks::kMin;  //!< guarded by the sink's mu_
  };
  //! What one release took from the lanes: each lane's outputs older than its bound, in the order
  //! the lane pushed them. Merged into order by the consumer's thread, off the shards.
  using Round = std::vector<std::vector<Output>>;

  void push(LaneState& lane, std::vector<Output>& outputs);
  void progress(LaneState& lane, TimestampMs passed);
  void release(TimestampMs bound);  //!< with mu_ held
  void consume_loop();

  Consumer consumer_;
  RuntimeMetrics& metrics_;
  std::atomic<bool>& fatal_;
  const std::size_t max_ready_;
  mutable std::mutex mu_;
  std::condition_variable ready_cv_, space_cv_;
  std::vector<std::unique_ptr<LaneState>> lanes_;
  TimestampMs released_ = Watermarks::kMin;  //!< everything older was released
  std::vector<Round> ready_;                  //!< released, not yet consumed, oldest first
  std::size_t ready_outputs_ = 0;
  bool stopping_ = false;
  std::uint64_t out_of_order_ = 0;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace spotstream
