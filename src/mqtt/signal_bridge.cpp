#include "src/mqtt/signal_bridge.hpp"

#include <spdlog/spdlog.h>

#include "src/codec/json_encoder.hpp"
#include "src/core/steady_time.hpp"

namespace spotstream {

namespace {
// A signal is one small message: waiting to fill a batch only delays the decision.
const std::map<std::string, std::string> kProducerDefaults = {{"linger.ms", "0"}};
}  // namespace

SignalBridge::SignalBridge(const Config& cfg, const MqttSettings& settings, MqttMetrics& metrics, DlqCounters& dlq)
    : metrics_(metrics),
      dlq_(dlq),
      signals_topic_(cfg.get_string("topics.signals")),
      dlq_topic_(cfg.get_string("topics.dlq")),
      capacity_(settings.buffer_max),
      dlq_payload_max_(static_cast<std::size_t>(cfg.get_int("decode.dlq_payload_max_bytes"))),
      topics_(settings.signal_topics, DecodeLimits{static_cast<std::size_t>(cfg.get_int("decode.max_message_bytes")),
                                                   cfg.get_double("decode.max_price")}) {
  producer_ = std::make_unique<KafkaProducer>(cfg, [this](const KafkaProducer::Delivery& d) {
    const bool signal = signals_topic_ == d.topic;
    if (d.error.empty()) {
      if (signal) metrics_.signals_forwarded.inc();
      return;
    }
    metrics_.signals_failed.inc();
    spdlog::error("mqtt: a {} for {} could not be written to {}: {}; it is lost", signal ? "signal" : "dead letter",
                  d.key, d.topic, d.error);
  }, kProducerDefaults);
}

SignalBridge::~SignalBridge() { stop(0); }

void SignalBridge::start() {
  // The first signal must not wait for the producer to learn where its topic lives.
  for (const auto* topic : {&signals_topic_, &dlq_topic_})
    if (!producer_->learn_topic(*topic, 10000))
      spdlog::warn("mqtt: cannot learn {}'s partitions yet; the first signals may wait for them", *topic);
  thread_ = std::thread([this] { loop(); });
}

void SignalBridge::take(std::string_view topic, std::string_view payload) {
  metrics_.signals_in.inc();
  {
    std::lock_guard lock(mu_);
    if (queue_.size() < capacity_) {
      queue_.push_back(Message{std::string(topic), std::string(payload)});
      cv_.notify_one();
      return;
    }
  }
  metrics_.signals_failed.inc();
  spdlog::error("mqtt: {} signals wait for Kafka (mqtt.buffer_max); the one on {} is dropped", capacity_, topic);
}

void SignalBridge::stop(int timeout_ms) {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (!producer_->flush(timeout_ms))
    spdlog::error("mqtt: {} signal(s) not acknowledged by Kafka within {} ms", producer_->outstanding(), timeout_ms);
}

void SignalBridge::loop() {
  std::deque<Message> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      // Wakes now and then to serve Kafka's acknowledgements while no signal comes.
      cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stop_ || !queue_.empty(); });
      batch.swap(queue_);
      if (batch.empty() && stop_) return;
    }
    for (const auto& m : batch) forward(m);
    batch.clear();
    producer_->poll(0);
  }
}

void SignalBridge::forward(const Message& m) {
  const auto verdict = topics_.check(m.topic, m.payload);
  if (!verdict.ok) return dead_letter(m, verdict);
  std::string error;
  if (!producer_->produce(signals_topic_, verdict.instance_id, m.payload, verdict.ts, nullptr, &error)) {
    metrics_.signals_failed.inc();
    spdlog::error("mqtt: cannot write the signal for {} to {}: {}; it is lost", verdict.instance_id, signals_topic_,
                  error);
  }
}

// Like the pipeline's dead letters: the reason, the original bytes, and where they came from,
// here the MQTT topic (no partition, no offset).
void SignalBridge::dead_letter(const Message& m, const SignalTopics::Verdict& v) {
  DeadLetter dl;
  dl.reason = v.error.reason;
  dl.detail = v.error.detail;
  dl.source = SourceRef{m.topic, -1, -1};
  dl.key = v.instance_id;
  dl.payload = m.payload;
  dl.ts = wall_ms();
  dlq_.inc(dl.reason);
  metrics_.signals_dead.inc();
  spdlog::warn("mqtt: bad signal on {} -> dead letters: {} ({})", m.topic, dl.reason, dl.detail);
  std::string error;
  if (!producer_->produce(dlq_topic_, dl.key, encode_dead_letter(dl, dlq_.payload_allowance(dlq_payload_max_, steady_ms())), dl.ts, nullptr, &error)) {
    metrics_.signals_failed.inc();
    spdlog::error("mqtt: cannot write a dead letter to {}: {}", dlq_topic_, error);
  }
}

}  // namespace spotstream
