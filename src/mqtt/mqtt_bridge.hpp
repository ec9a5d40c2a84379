#pragma once
//! The MQTT bridge of a live run (mqtt.host set): one client connection carrying signals in
//! (SignalBridge: to the signals topic) and decisions out (DecisionMirror: what the Kafka sink
//! has stored, retained per node). MQTT being away never holds up Kafka or offset commits.
#include <memory>

#include "src/codec/dlq_counters.hpp"
#include "src/config/config.hpp"
#include "src/mqtt/decision_mirror.hpp"
#include "src/mqtt/mqtt_link.hpp"
#include "src/mqtt/signal_bridge.hpp"

namespace spotstream {

class MqttBridge {
 public:
  //! Throws ConfigError on settings that cannot work.
  MqttBridge(const Config& cfg, MqttMetrics& metrics, DlqCounters& dlq);
  ~MqttBridge();

  //! Null when decisions are not published (mqtt.decision_prefix empty): give it to the sink.
  StoredOutputObserver* decisions() { return mirror_.get(); }
  void start();
  //! After the pipeline has stopped: publishes the decisions left (a few seconds at most), writes
  //! the signals received to Kafka, disconnects.
  void stop();

 private:
  MqttSettings settings_;
  std::unique_ptr<SignalBridge> signals_;
  std::unique_ptr<DecisionMirror> mirror_;
  std::unique_ptr<MqttLink> link_;
};

}  // namespace spotstream
