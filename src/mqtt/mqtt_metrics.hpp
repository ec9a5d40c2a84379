#pragma once
//! The MQTT bridge's counters (mqtt_link, signal_bridge, decision_mirror).
#include <nlohmann/json_fwd.hpp>

#include "src/core/counter.hpp"

namespace spotstream {

struct MqttMetrics {
  Counter signals_in;         //!< messages received on the signal topics
  Counter signals_forwarded;  //!< ... written to the signals topic (acknowledged by Kafka)
  Counter signals_dead;       //!< ... refused: written to the dead letters with the MQTT topic as source
  Counter signals_failed;     //!< ... that Kafka could not take (logged; the MQTT message is lost)
  Counter decisions_out;      //!< decisions (and clears) acknowledged by the MQTT broker
  Counter decisions_dropped;  //!< dropped while the broker was away: the buffer was full
  Counter publish_errors;     //!< publishes the client refused (they are retried)
  Counter connects;           //!< connections made (the first, then each reconnection)
  Counter disconnects;        //!< connections lost
  Gauge connected;            //!< 1 while connected
  Gauge buffered;             //!< decisions waiting for the broker, handed over or not

  void to_json(nlohmann::json& j) const;
};

}  // namespace spotstream
