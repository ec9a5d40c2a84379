#pragma once
//! The Kafka sink: one thread that takes encoded outputs from a lock-free multi-producer queue
//! (shards and the source push), produces them with an idempotent producer, and releases each
//! output's input batch when the broker acknowledges it. A failed delivery marks the batch failed
//! (its offsets never commit) and raises `fatal`.
//! Decisions have a producer of their own (delivery.decisions_linger_ms, no linger by default): an
//! orchestrator learns of a decision at once, while the risk records batch for kafka.linger.ms.
//! With delivery.guarantee=exactly_once one producer carries every output, transactional: every
//! output goes into the open transaction (TransactionDriver), and the source thread has the sink
//! commit it, with the input offsets those outputs derive from, through commit_transaction().
//! Owns: its thread and the producers. Lanes push from shard threads and the source thread.
#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/config/config.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/transaction_driver.hpp"
#include "src/runtime/output_sink.hpp"
#include "src/runtime/runtime_metrics.hpp"

namespace spotstream {

class KafkaSink : public OutputSink {
 public:
  KafkaSink(const Config& cfg, RuntimeMetrics& metrics, std::atomic<bool>& fatal);
  ~KafkaSink() override;

  //! Also hands every output to `history` (before producing it, with its own hold on the input
  //! batch), so a batch is released only when Kafka and the history both have its outputs.
  //! Call before start(); null (the default) means Kafka only.
  bool set_history(HistorySink* history) override {
    history_ = history;
    return true;
  }
  //! Tells `observer` of each output the broker acknowledged, on the sink thread (with
  //! exactly_once: before its transaction commits). Call before start().
  bool set_stored_observer(StoredOutputObserver* observer) override {
    observer_ = observer;
    return true;
  }
  //! exactly_once only: told of every transactional call (tests). Call before start().
  void set_transaction_observer(TransactionObserver* observer) override;
  //! exactly_once only: init_transactions, on the calling thread, before start(). False (and
  //! `error` set) when the producer cannot become transactional.
  bool init_transactions(std::string& error) override;
  void start() override;
  //! A lane pushes outputs (moved out; the vector is cleared), waiting while the queue is over
  //! capacity, so a slow broker slows the shards (backpressure) instead of growing memory.
  std::unique_ptr<Lane> lane() override;
  //! Waits until every output pushed so far was acknowledged or failed for good (or `fatal`):
  //! also those tied to no input batch (ShardLogic::on_idle).
  void wait_delivered() const override;
  //! exactly_once only, from the source thread once every input batch whose offsets are given has
  //! been acknowledged: the sink thread sends `offsets` with the group metadata of `source` (a
  //! KafkaSource) and commits the open transaction, with every output produced in it. Blocks until
  //! done; false (and `fatal` raised, the transaction aborted) when it could not commit.
  bool commit_transaction(const std::map<PartitionKey, std::int64_t>& offsets, const EventSource& source) override;
  //! Delivers everything queued, flushes the producer, stops the thread. exactly_once: commits what
  //! is still open (outputs only), or aborts it after a failure.
  void stop_and_join() override;
  std::int32_t partitions(OutputTopic topic) const override;

 private:
  struct TxnRequest {
    const std::map<PartitionKey, std::int64_t>* offsets = nullptr;
    const RdKafka::ConsumerGroupMetadata* group = nullptr;
    bool done = false, ok = false;
  };
  class QueueLane;
  void push(std::vector<Output>& outputs, moodycamel::ProducerToken& token);
  void loop();
  void deliver(std::vector<Output>& batch);
  //! Runs a commit_transaction() request, if one waits (sink thread).
  void serve_transaction_request();
  void on_delivery(const KafkaProducer::Delivery& d);
  void tell_observer(const KafkaProducer::Delivery& d);
  KafkaProducer& producer_for(OutputTopic topic) {
    return topic == OutputTopic::Decisions && decisions_producer_ ? *decisions_producer_ : *producer_;
  }
  //! Serves both producers' delivery callbacks, waiting up to `timeout_ms` in the main one's.
  void poll(int timeout_ms);
  bool flush(int timeout_ms);

  RuntimeMetrics& metrics_;
  std::atomic<bool>& fatal_;
  Config cfg_;
  std::array<std::string, 3> topic_names_;  //!< indexed by OutputTopic
  std::size_t capacity_;
  moodycamel::ConcurrentQueue<Output> queue_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<KafkaProducer> decisions_producer_;  //!< at_least_once only
  std::unique_ptr<TransactionDriver> txn_;  //!< exactly_once only
  std::mutex txn_mutex_;
  std::condition_variable txn_cv_;
  TxnRequest* txn_request_ = nullptr;  //!< guarded by txn_mutex_
  std::atomic<bool> txn_requested_{false};
  HistorySink* history_ = nullptr;
  StoredOutputObserver* observer_ = nullptr;
  std::vector<HistoryItem> history_items_;  // sink-thread scratch
  std::atomic<bool> stop_{false};
  std::atomic<bool> idle_{false};  //!< the sink thread waits in the producer's poll: push() wakes it
  std::atomic<std::int64_t> undelivered_{0};  //!< pushed, not yet acknowledged or failed
  std::thread thread_;
};

}  // namespace spotstream
