#pragma once
//! One lane of a shard: events handed from the source thread to the shard thread in whole chunks
//! (the source's staging buffer of a flush), so that no event is moved on the way. The shard takes
//! them in bulks from the chunk, in place, and gives emptied chunks back for the source to fill
//! again (their memory stays allocated and warm).
//! One producer thread (the source) and one consumer thread (the shard).
#include <concurrentqueue/concurrentqueue.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <span>
#include <vector>

#include "src/core/event.hpp"
#include "src/runtime/input_batch.hpp"
#include "src/runtime/shard_logic.hpp"

namespace spotstream {

struct QueuedEvent {
  Event event;
  InputBatch* batch = nullptr;
  EventContext ctx;
  bool progress = false;  //!< a progress mark (ShardLogic::on_progress), not an event
  bool copy = false;      //!< a copy of an event routed to every shard: counted processed once, by the last
};

class EventLane {
 public:
  using Chunk = std::vector<QueuedEvent>;

  //! Producer: hands the events of `chunk` over, in order; `chunk` is left empty (holding the
  //! storage of a chunk given back, when there is one).
  void push(Chunk& chunk) {
    if (chunk.empty()) return;
    // Counted before it is visible: the consumer never takes more than was counted.
    queued_.fetch_add(chunk.size());
    full_.enqueue(full_in_, std::move(chunk));
    chunk = Chunk();
    empty_.try_dequeue(empty_out_, chunk);
  }

  //! Consumer: up to `max` of the events handed over, in order, in place; they stay valid until
  //! the next take(). Empty when there are none.
  std::span<QueuedEvent> take(std::size_t max) {
    if (cursor_ == current_.size()) {
      if (!current_.empty()) {
        current_.clear();
        empty_.enqueue(empty_in_, std::move(current_));
        current_ = Chunk();
      }
      cursor_ = 0;
      if (!full_.try_dequeue(full_out_, current_)) return {};
    }
    const std::size_t n = std::min(max, current_.size() - cursor_);
    const std::span<QueuedEvent> taken(current_.data() + cursor_, n);
    cursor_ += n;
    queued_.fetch_sub(n);
    return taken;
  }

  //! Events handed over and not yet taken (any thread). Sequentially consistent, like the shard's
  //! sleeping flag it is read against: a push is never missed by a shard going to sleep.
  std::size_t size() const { return queued_.load(); }

 private:
  moodycamel::ConcurrentQueue<Chunk> full_;   // source -> shard
  moodycamel::ConcurrentQueue<Chunk> empty_;  // shard -> source
  moodycamel::ProducerToken full_in_{full_};
  moodycamel::ConsumerToken empty_out_{empty_};
  std::atomic<std::size_t> queued_{0};
  // consumer-thread state
  moodycamel::ProducerToken empty_in_{empty_};
  moodycamel::ConsumerToken full_out_{full_};
  Chunk current_;
  std::size_t cursor_ = 0;
};

}  // namespace spotstream
