#include "topology/process_metrics.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace spotstream {

std::string ProcessMetrics::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  RuntimeMetrics::to_json(j);
  PriceMetrics::to_json(j);
  DecisionMetrics::to_json(j);
  ModelMetrics::to_json(j);
  mqtt.to_json(j);
  return j.dump();
}

ProcessMetrics& ProcessMetrics::of(RuntimeMetrics& metrics) {
  if (auto* p = dynamic_cast<ProcessMetrics*>(&metrics)) return *p;
  throw std::invalid_argument("the live topology counts into ProcessMetrics: give the pipeline one");
}

}  // namespace spotstream
