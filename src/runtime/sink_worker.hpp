#pragma once
//! The Kafka sink: one thread that takes encoded outputs from a lock-free multi-producer queue
//! (shards and the source push), produces them with an idempotent producer, and releases each
//! output's input batch when the broker acknowledges it. A failed delivery marks the batch failed
//! (its offsets never commit) and raises `fatal`.
//! With delivery.guarantee=exactly_once the producer is transactional: every output goes into the
//! open transaction (TransactionDriver), and the source thread has the sink commit it, with the
//! input offsets those outputs derive from, through commit_transaction().
//! Owns: its thread and the producer. push() is called from shard threads and the source thread.
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
#include "src/runtime/history_sink.hpp"
#include "src/runtime/output.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/transaction_driver.hpp"

namespace spotstream {

class KafkaProducer;

class SinkWorker {
 public:
  SinkWorker(const Config& cfg, RuntimeMetrics& metrics, std::atomic<bool>& fatal);
  ~SinkWorker();

  //! Also hands every output to `history` (before producing it, with its own hold on the input
  //! batch), so a batch is released only when Kafka and the history both have its outputs.
  //! Call before start(); null (the default) means Kafka only.
  void set_history(HistorySink* history) { history_ = history; }
  //! exactly_once only: told of every transactional call (tests). Call before start().
  void set_transaction_observer(TransactionObserver* observer);
  //! exactly_once only: init_transactions, on the calling thread, before start(). False (and
  //! `error` set) when the producer cannot become transactional.
  bool init_transactions(std::string& error);
  void start();
  //! Pushes outputs (moved out; the vector is cleared). Waits while the queue is over capacity,
  //! so a slow broker slows the shards (backpressure) instead of growing memory.
  void push(std::vector<Output>& outputs, moodycamel::ProducerToken& token);
  moodycamel::ProducerToken make_token() { return moodycamel::ProducerToken(queue_); }
  //! Waits until every output pushed so far was acknowledged or failed for good (or `fatal`):
  //! also those tied to no input batch (ShardLogic::on_idle).
  void wait_delivered() const;
  //! exactly_once only, from the source thread once every input batch whose offsets are given has
  //! been acknowledged: the sink thread sends `offsets` with `group` and commits the open
  //! transaction, with every output produced in it. Blocks until done; false (and `fatal` raised,
  //! the transaction aborted) when it could not commit.
  bool commit_transaction(const std::map<PartitionKey, std::int64_t>& offsets, const RdKafka::ConsumerGroupMetadata* group);
  //! Delivers everything queued, flushes the producer, stops the thread. exactly_once: commits what
  //! is still open (outputs only), or aborts it after a failure.
  void stop_and_join();

 private:
  struct TxnRequest {
    const std::map<PartitionKey, std::int64_t>* offsets = nullptr;
    const RdKafka::ConsumerGroupMetadata* group = nullptr;
    bool done = false, ok = false;
  };
  void loop();
  void deliver(std::vector<Output>& batch);
  //! Runs a commit_transaction() request, if one waits (sink thread).
  void serve_transaction_request();

  RuntimeMetrics& metrics_;
  std::atomic<bool>& fatal_;
  std::array<std::string, 3> topic_names_;  //!< indexed by OutputTopic
  std::size_t capacity_;
  moodycamel::ConcurrentQueue<Output> queue_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<TransactionDriver> txn_;  //!< exactly_once only
  std::mutex txn_mutex_;
  std::condition_variable txn_cv_;
  TxnRequest* txn_request_ = nullptr;  //!< guarded by txn_mutex_
  std::atomic<bool> txn_requested_{false};
  HistorySink* history_ = nullptr;
  std::vector<HistoryItem> history_items_;  // sink-thread scratch
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> undelivered_{0};  //!< pushed, not yet acknowledged or failed
  std::thread thread_;
};

}  // namespace spotstream
