#pragma once
//! delivery.guarantee=exactly_once: drives the Kafka sink producer's transactions, following
//! librdkafka's transactional API (init once; begin; produce; send the consumed offsets with the
//! consumer's group metadata; commit). Retriable errors are retried, an abortable error aborts the
//! transaction, a fatal one (fenced by another producer with the same transactional.id, or by a
//! newer group generation) is reported as such; either way the caller stops the process, since
//! the shards' state cannot be rewound to the last committed transaction within it.
//! Owned by the sink thread (init() is called before that thread starts).
#include <cstdint>
#include <map>
#include <string>

#include "src/core/event.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/transaction_observer.hpp"

namespace RdKafka {
class ConsumerGroupMetadata;
}

namespace spotstream {

class KafkaProducer;

class TransactionDriver {
 public:
  TransactionDriver(KafkaProducer& producer, RuntimeMetrics& metrics, std::string transactional_id);

  void set_observer(TransactionObserver* observer) { observer_ = observer; }
  //! init_transactions: fences older producers with the same transactional.id and aborts what
  //! they left open. False, with `error`, when it cannot.
  bool init(std::string& error);
  //! Begins a transaction unless one is open: produce() needs one.
  bool ensure_open(std::string& error);
  bool is_open() const { return open_; }
  //! Sends `offsets` (none: outputs only) with `group` and commits the open transaction (begun
  //! here if none is): the outputs produced in it and the offsets become visible together. With
  //! nothing open and no offsets, does nothing. On failure the transaction is aborted (when it
  //! still can be) and `error` says what happened; `fatal` tells a fenced or broken producer.
  bool commit(const std::map<PartitionKey, std::int64_t>& offsets, const RdKafka::ConsumerGroupMetadata* group,
              std::string& error, bool& fatal);
  //! Aborts the open transaction (a stop after a failure): its outputs are never visible to
  //! read_committed consumers and its offsets are not committed.
  void abort(const std::string& why);
  const std::string& transactional_id() const { return id_; }

 private:
  void notify(TransactionObserver::Call call, const std::map<PartitionKey, std::int64_t>& offsets = {});

  KafkaProducer& producer_;
  RuntimeMetrics& metrics_;
  std::string id_;
  TransactionObserver* observer_ = nullptr;
  bool open_ = false;
};

}  // namespace spotstream
