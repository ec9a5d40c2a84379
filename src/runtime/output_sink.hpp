#pragma once
//! Where a pipeline's outputs go: Kafka (src/kafka/kafka_sink), or a consumer in event-time order
//! (OrderedSink: a replay streaming its records to a file). Outputs are handed over through lanes, one per pushing thread (each
//! shard and the source thread), and each output releases its input batch (InputBatch::done) once
//! the sink has stored it, so offsets commit only for inputs whose outputs are safe.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/event.hpp"
#include "src/runtime/event_source.hpp"
#include "src/runtime/history_sink.hpp"
#include "src/runtime/output.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/transaction_observer.hpp"

namespace spotstream {

//! Told of every output a sink has stored (Kafka: acknowledged by the broker), on the sink's
//! thread, in the order stored for each key: a mirror of the output topics (MQTT). Must not block:
//! deliveries wait for it.
class StoredOutputObserver {
 public:
  virtual ~StoredOutputObserver() = default;
  //! `value` empty: a tombstone (the key's entry cleared).
  virtual void on_stored(OutputTopic topic, std::string_view key, std::string_view value, std::int64_t ts) = 0;
};

class OutputSink {
 public:
  //! One pushing thread's way in. Owned and used by that thread alone.
  class Lane {
   public:
    virtual ~Lane() = default;
    //! Hands outputs over (moved out; the vector is cleared). May wait while the sink is behind
    //! (backpressure) instead of growing memory.
    virtual void push(std::vector<Output>& outputs) = 0;
    //! Every event older than `passed` has had its outputs pushed through this lane (a sink that
    //! orders outputs by event time releases what every lane has passed). Optional.
    virtual void progress(TimestampMs passed) { (void)passed; }
  };

  virtual ~OutputSink() = default;
  virtual std::unique_ptr<Lane> lane() = 0;
  //! Also hands every output to `history`, holding its input batch until stored there too. Call
  //! before start(). A sink without history support refuses (returns false).
  virtual bool set_history(HistorySink* history) { return history == nullptr; }
  //! Tells `observer` of every output once stored. Call before start(). A sink that cannot
  //! refuses (returns false).
  virtual bool set_stored_observer(StoredOutputObserver* observer) { return observer == nullptr; }
  virtual void start() {}
  //! Waits until every output pushed so far was stored or failed for good.
  virtual void wait_delivered() const = 0;
  //! Stores everything pushed, then stops.
  virtual void stop_and_join() = 0;
  //! How many partitions an output topic has (progress marks go to each); 0 when the sink has none.
  virtual std::int32_t partitions(OutputTopic topic) const { (void)topic; return 0; }

  //! Transactional sinks (Kafka exactly_once) only. init_transactions before start(): false, with
  //! `error`, when the sink cannot be transactional.
  virtual bool init_transactions(std::string& error) {
    error = "this output does not support transactions (delivery.guarantee=exactly_once)";
    return false;
  }
  //! Commits the open transaction with the input `offsets` of `source` (whose consumer group they
  //! belong to). Blocks until done; false when it could not commit (the run must stop).
  virtual bool commit_transaction(const std::map<PartitionKey, std::int64_t>& offsets, const EventSource& source) {
    (void)offsets, (void)source;
    return false;
  }
  virtual void set_transaction_observer(TransactionObserver* observer) { (void)observer; }
};

//! Makes the pipeline's sink; `fatal` is the pipeline's flag, raised by the sink when an output
//! cannot be stored.
using SinkFactory = std::function<std::unique_ptr<OutputSink>(RuntimeMetrics& metrics, std::atomic<bool>& fatal)>;
//! Makes the pipeline's history store (PostgreSQL), or returns null for none.
using HistoryFactory = std::function<std::unique_ptr<HistorySink>(RuntimeMetrics& metrics, std::atomic<bool>& fatal)>;

//! A pipeline's inputs and outputs, given by whoever wires it (topology/).
struct PipelineIo {
  SourceFactory source;
  SinkFactory sink;
  HistoryFactory history;  //!< may be empty: no history
};

}  // namespace spotstream
