#pragma once
//! MQTT signals into Kafka: each message on a signal topic is checked (SignalTopics) and written,
//! as it came, to the signals topic keyed by the instance id its topic names, so it enters the
//! same signal lane as any Kafka signal (and reaches the member that holds the node), decodes to
//! the same decision ids, and stays on Kafka for replays. A message that is no signal goes to the
//! dead letters with its original bytes and the MQTT topic as source.
//! Threads: take() is called on the MQTT network thread and only queues; a thread of the bridge's
//! own checks and produces, so the MQTT client never waits for Kafka.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "src/codec/dlq_counters.hpp"
#include "src/config/config.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/mqtt/mqtt_metrics.hpp"
#include "src/mqtt/mqtt_settings.hpp"
#include "src/mqtt/signal_topics.hpp"

namespace spotstream {

class SignalBridge {
 public:
  SignalBridge(const Config& cfg, const MqttSettings& settings, MqttMetrics& metrics, DlqCounters& dlq);
  ~SignalBridge();
  SignalBridge(const SignalBridge&) = delete;
  SignalBridge& operator=(const SignalBridge&) = delete;

  void start();
  //! Queues one MQTT message (never blocks; past mqtt.buffer_max it is counted as failed and logged).
  void take(std::string_view topic, std::string_view payload);
  //! Writes what is queued, waits for Kafka's acknowledgements (up to `timeout_ms`), stops.
  void stop(int timeout_ms);

 private:
  struct Message {
    std::string topic, payload;
  };
  void loop();
  void forward(const Message& m);
  void dead_letter(const Message& m, const SignalTopics::Verdict& v);

  MqttMetrics& metrics_;
  DlqCounters& dlq_;
  std::string signals_topic_, dlq_topic_;
  std::size_t capacity_;
  std::size_t dlq_payload_max_;
  SignalTopics topics_;                       // bridge thread
  std::unique_ptr<KafkaProducer> producer_;  // bridge thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> queue_;  // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::thread thread_;
};

}  // namespace spotstream
