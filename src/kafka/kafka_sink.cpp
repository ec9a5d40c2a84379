#include "src/kafka/kafka_sink.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/kafka_source.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/delivery_guarantee.hpp"

namespace spotstream {

KafkaSink::KafkaSink(const Config& cfg, RuntimeMetrics& metrics, std::atomic<bool>& fatal)
    : metrics_(metrics),
      fatal_(fatal),
      cfg_(cfg),
      topic_names_{cfg.get_string("topics.decisions"), cfg.get_string("topics.risk"), cfg.get_string("topics.dlq")},
      capacity_(static_cast<std::size_t>(cfg.get_int("runtime.sink_capacity"))) {
  // exactly_once: a transactional producer; at_least_once: the idempotent producer as always.
  std::map<std::string, std::string> txn_conf;
  if (delivery_guarantee(cfg) == DeliveryGuarantee::ExactlyOnce) txn_conf["transactional.id"] = transactional_id(cfg);
  const auto report = [this](const KafkaProducer::Delivery& d) { on_delivery(d); };
  producer_ = std::make_unique<KafkaProducer>(cfg, report, txn_conf);
  if (!txn_conf.empty()) {
    txn_ = std::make_unique<TransactionDriver>(*producer_, metrics_, txn_conf["transactional.id"]);
  } else {
    // Set over kafka.* (which the main producer takes as it is): kafka.linger.ms is the risk records'.
    // Its alias too, which librdkafka would otherwise apply after it.
    const std::string linger = std::to_string(cfg.get_int("delivery.decisions_linger_ms"));
    Config decisions_cfg = cfg;
    decisions_cfg.set("kafka.linger.ms", linger);
    decisions_cfg.set("kafka.queue.buffering.max.ms", linger);
    decisions_producer_ = std::make_unique<KafkaProducer>(decisions_cfg, report);
  }
}

void KafkaSink::on_delivery(const KafkaProducer::Delivery& d) {
  auto* batch = static_cast<InputBatch*>(d.opaque);
  if (d.error.empty()) {
    if (observer_) tell_observer(d);
    undelivered_.fetch_sub(1, std::memory_order_acq_rel);
    metrics_.outputs_delivered.inc();
    if (batch) batch->done();
    return;
  }
  undelivered_.fetch_sub(1, std::memory_order_acq_rel);
  metrics_.delivery_failures.inc();
  spdlog::error("output delivery failed for good: {}; its input offsets will not be committed", d.error);
  if (batch) batch->failed.store(true, std::memory_order_release);
  fatal_.store(true);
}

void KafkaSink::poll(int timeout_ms) {
  if (decisions_producer_) decisions_producer_->poll(0);
  producer_->poll(timeout_ms);
}

bool KafkaSink::flush(int timeout_ms) {
  const bool decisions = !decisions_producer_ || decisions_producer_->flush(timeout_ms);
  return producer_->flush(timeout_ms) && decisions;
}

void KafkaSink::tell_observer(const KafkaProducer::Delivery& d) {
  for (std::size_t t = 0; t < topic_names_.size(); ++t)
    if (topic_names_[t] == d.topic) {
      observer_->on_stored(static_cast<OutputTopic>(t), d.key, d.value, d.ts);
      return;
    }
}

void KafkaSink::set_transaction_observer(TransactionObserver* observer) {
  if (txn_) txn_->set_observer(observer);
}

bool KafkaSink::init_transactions(std::string& error) { return !txn_ || txn_->init(error); }

class KafkaSink::QueueLane : public OutputSink::Lane {
 public:
  explicit QueueLane(KafkaSink& sink) : sink_(sink), token_(sink.queue_) {}
  void push(std::vector<Output>& outputs) override { sink_.push(outputs, token_); }

 private:
  KafkaSink& sink_;
  moodycamel::ProducerToken token_;
};

std::unique_ptr<OutputSink::Lane> KafkaSink::lane() { return std::make_unique<QueueLane>(*this); }

std::int32_t KafkaSink::partitions(OutputTopic topic) const {
  return partition_count(cfg_, topic_names_[static_cast<std::size_t>(topic)]);
}

bool KafkaSink::commit_transaction(const std::map<PartitionKey, std::int64_t>& offsets, const EventSource& source) {
  if (!txn_) return false;
  const auto* kafka = dynamic_cast<const KafkaSource*>(&source);
  if (!kafka) {
    spdlog::error("exactly_once: the input is not a Kafka consumer group: no transaction to commit offsets to");
    fatal_.store(true);
    return false;
  }
  const auto group_metadata = kafka->group_metadata();
  const auto* group = group_metadata.get();
  TxnRequest req{&offsets, group};
  std::unique_lock lock(txn_mutex_);
  if (!thread_.joinable()) {  // no sink thread (not started, or stopped): the producer is the caller's
    txn_request_ = &req;
    lock.unlock();
    txn_requested_.store(true, std::memory_order_release);
    serve_transaction_request();
    return req.ok;
  }
  txn_request_ = &req;
  txn_requested_.store(true, std::memory_order_release);
  txn_cv_.wait(lock, [&] { return req.done; });
  return req.ok;
}

void KafkaSink::serve_transaction_request() {
  if (!txn_requested_.load(std::memory_order_acquire)) return;
  std::unique_lock lock(txn_mutex_);
  TxnRequest* req = txn_request_;
  if (!req) return;
  std::string error;
  bool fatal = false;
  // After a failure nothing more commits: the open transaction is aborted at the stop.
  req->ok = !fatal_.load() && txn_->commit(*req->offsets, req->group, error, fatal);
  if (!req->ok) {
    if (!error.empty()) spdlog::error("{}; stopping with status 1", error);
    fatal_.store(true);
  }
  req->done = true;
  txn_request_ = nullptr;
  txn_requested_.store(false, std::memory_order_release);
  lock.unlock();
  txn_cv_.notify_all();
}

KafkaSink::~KafkaSink() {
  if (thread_.joinable()) stop_and_join();
}

void KafkaSink::start() { thread_ = std::thread([this] { loop(); }); }

void KafkaSink::push(std::vector<Output>& outputs, moodycamel::ProducerToken& token) {
  if (outputs.empty()) return;
  while (queue_.size_approx() > capacity_ && !fatal_.load(std::memory_order_relaxed))
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  undelivered_.fetch_add(static_cast<std::int64_t>(outputs.size()), std::memory_order_acq_rel);
  queue_.enqueue_bulk(token, std::make_move_iterator(outputs.begin()), outputs.size());
  outputs.clear();
  if (idle_.load()) producer_->wake();  // a decision goes out now, not at the end of the idle wait
}

void KafkaSink::deliver(std::vector<Output>& batch) {
  std::string txn_error;
  if (txn_ && (fatal_.load() || !txn_->ensure_open(txn_error))) {
    // No transaction to produce into (or one a failure dooms): nothing of this batch is
    // delivered, nothing commits.
    if (!txn_error.empty()) spdlog::error("{}; stopping with status 1", txn_error);
    metrics_.delivery_failures.inc(batch.size());
    for (auto& o : batch)
      if (o.batch) o.batch->failed.store(true, std::memory_order_release);
    undelivered_.fetch_sub(static_cast<std::int64_t>(batch.size()), std::memory_order_acq_rel);
    fatal_.store(true);
    batch.clear();
    return;
  }
  if (history_) {
    // The history's hold is taken before the broker can acknowledge, so the batch cannot complete
    // while the history still owes it rows.
    for (const auto& o : batch) {
      if (o.partition >= 0) continue;  // a progress mark: Kafka only
      if (o.batch) o.batch->add(1);
      history_items_.push_back(HistoryItem{o, o.batch});
    }
    history_->push(history_items_, fatal_);
  }
  for (auto& o : batch) {
    if (o.history_only) {  // already on Kafka: the history (if any) took its own hold above
      if (o.batch) o.batch->done();
      undelivered_.fetch_sub(1, std::memory_order_acq_rel);
      continue;
    }
    std::string error;
    if (!producer_for(o.topic).produce(topic_names_[static_cast<std::size_t>(o.topic)], o.key, o.value, o.ts, o.batch,
                                       &error, o.partition)) {
      metrics_.delivery_failures.inc();
      spdlog::error("cannot produce to {}: {}", topic_names_[static_cast<std::size_t>(o.topic)], error);
      if (o.batch) o.batch->failed.store(true, std::memory_order_release);
      undelivered_.fetch_sub(1, std::memory_order_acq_rel);
      fatal_.store(true);
    }
  }
  batch.clear();
}

void KafkaSink::loop() {
  moodycamel::ConsumerToken token(queue_);
  std::vector<Output> batch(1024);
  std::vector<Output> ready;
  ready.reserve(1024);
  for (;;) {
    const auto n = queue_.try_dequeue_bulk(token, batch.begin(), batch.size());
    if (n > 0) {
      ready.assign(std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.begin() + n));
      deliver(ready);
      poll(0);
      serve_transaction_request();
      continue;
    }
    serve_transaction_request();
    if (stop_.load(std::memory_order_acquire) && queue_.size_approx() == 0) break;
    idle_.store(true);
    if (queue_.size_approx() == 0) poll(5);  // serves delivery reports while idle; push() wakes it
    idle_.store(false);
  }
  if (txn_ && txn_->is_open()) {
    // Normally committed by the source before the stop; what is left is outputs tied to no input
    // (no offsets to send), or a transaction a failure must discard.
    std::string error;
    bool fatal = false;
    if (fatal_.load()) txn_->abort("a delivery or transaction failure");
    else if (!txn_->commit({}, nullptr, error, fatal)) {
      spdlog::error("{}", error);
      fatal_.store(true);
    }
  }
  while (!flush(1000)) {
    if (fatal_.load()) break;
    spdlog::warn("sink: waiting for {} outputs to be acknowledged",
                 producer_->outstanding() + (decisions_producer_ ? decisions_producer_->outstanding() : 0));
  }
}

void KafkaSink::wait_delivered() const {
  while (undelivered_.load(std::memory_order_acquire) > 0 && !fatal_.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void KafkaSink::stop_and_join() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

}  // namespace spotstream
