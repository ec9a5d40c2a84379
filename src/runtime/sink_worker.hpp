#pragma once
//! The Kafka sink: one thread that takes encoded outputs from a lock-free multi-producer queue
//! (shards and the source push), produces them with an idempotent producer, and releases each
//! output's input batch when the broker acknowledges it. A failed delivery marks the batch failed
//! (its offsets never commit) and raises `fatal`.
//! Owns: its thread and the producer. push() is called from shard threads and the source thread.
#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/config/config.hpp"
#include "src/runtime/history_sink.hpp"
#include "src/runtime/output.hpp"
#include "src/runtime/runtime_metrics.hpp"

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
  void start();
  //! Pushes outputs (moved out; the vector is cleared). Waits while the queue is over capacity,
  //! so a slow broker slows the shards (backpressure) instead of growing memory.
  void push(std::vector<Output>& outputs, moodycamel::ProducerToken& token);
  moodycamel::ProducerToken make_token() { return moodycamel::ProducerToken(queue_); }
  //! Waits until every output pushed so far was acknowledged or failed for good (or `fatal`):
  //! also those tied to no input batch (ShardLogic::on_idle).
  void wait_delivered() const;
  //! Delivers everything queued, flushes the producer, stops the thread.
  void stop_and_join();

 private:
  void loop();
  void deliver(std::vector<Output>& batch);

  RuntimeMetrics& metrics_;
  std::atomic<bool>& fatal_;
  std::array<std::string, 3> topic_names_;  //!< indexed by OutputTopic
  std::size_t capacity_;
  moodycamel::ConcurrentQueue<Output> queue_;
  std::unique_ptr<KafkaProducer> producer_;
  HistorySink* history_ = nullptr;
  std::vector<HistoryItem> history_items_;  // sink-thread scratch
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> undelivered_{0};  //!< pushed, not yet acknowledged or failed
  std::thread thread_;
};

}  // namespace spotstream
