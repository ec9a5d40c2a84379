#pragma once
//! An idempotent librdkafka producer with a delivery callback carrying the caller's opaque pointer.
//! Owned by one thread: that thread calls produce() and poll(); delivery callbacks run inside poll()
//! and flush() on that same thread.
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "src/config/config.hpp"

namespace spotstream {

class KafkaProducer {
 public:
  //! Called once per message when the broker acknowledged it (error empty) or it failed for good.
  using DeliveryFn = std::function<void(void* opaque, const std::string& error)>;

  KafkaProducer(const Config& cfg, DeliveryFn on_delivery = {});
  ~KafkaProducer();

  //! Queues one message (to `partition`, or by key when it is negative). Blocks (serving delivery callbacks) while librdkafka's queue is full:
  //! that is the backpressure. Returns false, with `error` set, on a non-retriable local error.
  bool produce(const std::string& topic, std::string_view key, std::string_view value, std::int64_t ts_ms,
               void* opaque, std::string* error = nullptr, std::int32_t partition = -1);
  //! Serves delivery callbacks for up to timeout_ms.
  void poll(int timeout_ms);
  //! Waits until every queued message is delivered or failed; false on timeout.
  bool flush(int timeout_ms);
  //! Messages queued but not yet acknowledged.
  int outstanding() const;

 private:
  class Reporter;
  std::unique_ptr<Reporter> reporter_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

}  // namespace spotstream
