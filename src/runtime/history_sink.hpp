#pragma once
//! Where the history goes besides Kafka (PostgreSQL: src/storage/pg_sink.hpp). The runtime hands
//! it the inputs worth keeping (price ticks, signals) from the source thread and every output from
//! the Kafka sink thread. Each item holds one count on its input batch, taken by the caller before
//! push(), and released by the history sink only once the item is durably stored: a batch's
//! offsets are committed only when both Kafka and the history hold everything derived from it.
#include <atomic>
#include <variant>
#include <vector>

#include "src/core/event.hpp"
#include "src/runtime/output.hpp"

namespace spotstream {

struct HistoryItem {
  std::variant<PriceTick, Signal, Output> row;
  InputBatch* batch = nullptr;  //!< done() once stored; may be null
};

class HistorySink {
 public:
  virtual ~HistorySink() = default;
  //! Prepares the store (may wait for it, until `stop`) and starts the thread. Throws
  //! std::runtime_error with a clear message when the store cannot be used.
  virtual void start(const std::atomic<bool>& stop) = 0;
  //! Takes the items (moved out; the vector is cleared). Waits while the sink holds more than its
  //! capacity (backpressure), unless `abort` is set. Called from the source and Kafka sink threads.
  virtual void push(std::vector<HistoryItem>& items, const std::atomic<bool>& abort) = 0;
  //! Stores everything pushed so far, then stops the thread.
  virtual void stop_and_join() = 0;
};

}  // namespace spotstream
