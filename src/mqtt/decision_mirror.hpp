#pragma once
//! Decisions out to MQTT: each decision Kafka has acknowledged is published, as on Kafka, retained
//! with QoS 1 to <mqtt.decision_prefix>/<node id>, so a consumer that subscribes later still gets
//! each node's latest decision; a node's tombstone (it left the fleet) becomes an empty retained
//! message, which clears its topic.
//! While the broker is away decisions wait in a bounded buffer (mqtt.buffer_max; past it the
//! oldest are dropped, counted and logged); at most mqtt.max_inflight are handed to the client
//! unacknowledged, and the client sends those again after a reconnection. Kafka never waits.
//! Threads: on_stored() on the Kafka sink thread, connected()/disconnected()/acknowledged() on the
//! MQTT network thread, publishing on a thread of the mirror's own.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "src/mqtt/mqtt_link.hpp"
#include "src/mqtt/mqtt_metrics.hpp"
#include "src/mqtt/mqtt_settings.hpp"
#include "src/runtime/output_sink.hpp"

namespace spotstream {

class DecisionMirror : public StoredOutputObserver {
 public:
  DecisionMirror(const MqttSettings& settings, MqttMetrics& metrics);
  ~DecisionMirror() override;
  DecisionMirror(const DecisionMirror&) = delete;
  DecisionMirror& operator=(const DecisionMirror&) = delete;

  //! Starts publishing through `link` (which calls connected(), disconnected(), acknowledged()).
  void start(MqttLink& link);
  //! Publishes what waits, for up to `timeout_ms` while the broker is there, then stops. Returns
  //! how many decisions were left unpublished (logged).
  std::size_t stop(int timeout_ms);

  void on_stored(OutputTopic topic, std::string_view key, std::string_view value, std::int64_t ts) override;
  void connected();
  void disconnected();
  void acknowledged();

 private:
  struct Pending {
    std::string topic, payload;
  };
  void loop();
  void update_gauge();  // mu_ held

  MqttSettings settings_;
  MqttMetrics& metrics_;
  MqttLink* link_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> waiting_;  // guarded by mu_
  std::size_t inflight_ = 0;     // guarded by mu_: handed to the client, not yet acknowledged
  bool up_ = false;              // guarded by mu_
  bool stop_ = false;            // guarded by mu_
  std::thread thread_;
};

}  // namespace spotstream
