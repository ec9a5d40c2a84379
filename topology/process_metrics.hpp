#pragma once
//! A process's metrics: the runtime's, the price path's, the decisions', the model reloads' and MQTT's,
//! each struct next to the code it measures, gathered here. The live topology counts into one: it
//! is what a Pipeline running it must be given.
#include <string>

#include "operators/decision/decision_metrics.hpp"
#include "operators/price/price_metrics.hpp"
#include "src/model/model_metrics.hpp"
#include "src/mqtt/mqtt_metrics.hpp"
#include "src/runtime/runtime_metrics.hpp"

namespace spotstream {

struct ProcessMetrics : RuntimeMetrics, PriceMetrics, DecisionMetrics, ModelMetrics {
  MqttMetrics mqtt;  //!< the MQTT bridge's (run with mqtt.host)

  std::string to_json() const override;

  //! The process's metrics behind a pipeline's `metrics`; std::invalid_argument when they are a
  //! runtime's alone (a topology that counts more was given less).
  static ProcessMetrics& of(RuntimeMetrics& metrics);
};

}  // namespace spotstream
