#pragma once
//! An idempotent librdkafka producer with a delivery callback carrying the caller's opaque pointer.
//! Owned by one thread: that thread calls produce() and poll(); delivery callbacks run inside poll()
//! and flush() on that same thread.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "src/config/config.hpp"
#include "src/core/event.hpp"

namespace spotstream {

class KafkaProducer {
 public:
  //! The outcome of a transactional call, as librdkafka classifies its error.
  struct TxnResult {
    enum class Kind { Ok, Retriable, Abortable, Fatal } kind = Kind::Ok;
    std::string error;  //!< librdkafka's message; empty when Ok
    bool ok() const { return kind == Kind::Ok; }
  };

  //! One message's outcome: the broker acknowledged it (error empty) or it failed for good. The
  //! views are valid during the callback only.
  struct Delivery {
    void* opaque = nullptr;
    std::string error;
    const char* topic = "";
    std::string_view key, value;
    std::int64_t ts = 0;
  };
  //! Called once per message with its outcome.
  using DeliveryFn = std::function<void(const Delivery&)>;

  //! `role_defaults` go over our producer defaults and under `kafka.*` (make_kafka_conf); a
  //! `transactional.id` there makes the producer transactional: produce() then needs an open
  //! transaction.
  KafkaProducer(const Config& cfg, DeliveryFn on_delivery = {}, const std::map<std::string, std::string>& role_defaults = {});
  ~KafkaProducer();

  //! Queues one message (to `partition`, or by key when it is negative); an empty value is produced
  //! as null (a tombstone on a compacted topic). Blocks (serving delivery callbacks) while librdkafka's queue is full:
  //! that is the backpressure. Returns false, with `error` set, on a non-retriable local error.
  bool produce(const std::string& topic, std::string_view key, std::string_view value, std::int64_t ts_ms,
               void* opaque, std::string* error = nullptr, std::int32_t partition = -1);
  //! Asks the brokers for `topic`'s partitions and leaders now, so that the first message to it is
  //! not held while the producer learns them (latency-sensitive producers). False on timeout.
  bool learn_topic(const std::string& topic, int timeout_ms);
  //! Serves delivery callbacks for up to timeout_ms.
  void poll(int timeout_ms);
  //! From any thread: a poll() waiting for delivery callbacks returns now (its owner has work).
  void wake();
  //! Waits until every queued message is delivered or failed; false on timeout.
  bool flush(int timeout_ms);
  //! Messages queued but not yet acknowledged.
  int outstanding() const;

  //! librdkafka's transactional API (transactional producers only), called on the owning thread.
  //! Timeouts of -1 mean librdkafka's own (the remaining transaction timeout), as it recommends.
  TxnResult init_transactions(int timeout_ms);
  TxnResult begin_transaction();
  //! `offsets`: next offsets to consume; `group` from the consumer they were read by.
  TxnResult send_offsets_to_transaction(const std::map<PartitionKey, std::int64_t>& offsets,
                                        const RdKafka::ConsumerGroupMetadata& group, int timeout_ms = -1);
  TxnResult commit_transaction(int timeout_ms = -1);
  TxnResult abort_transaction(int timeout_ms = -1);

 private:
  class Reporter;
  std::unique_ptr<Reporter> reporter_;
  std::unique_ptr<RdKafka::Producer> producer_;
  rd_kafka_queue_t* reports_ = nullptr;  //!< the queue poll() serves, for wake()
};

//! The partition librdkafka's default partitioner (consistent_random) gives a message with a
//! non-empty `key` on a topic of `partitions` partitions: what a replay in process uses, so that it
//! builds the same per-partition state as the same events read from Kafka.
std::int32_t default_partition(std::string_view key, std::int32_t partitions);

}  // namespace spotstream
