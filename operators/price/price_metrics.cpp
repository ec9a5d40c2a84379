#include "operators/price/price_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

void PriceMetrics::to_json(nlohmann::json& j) const {
  j["duplicate_ticks"] = duplicate_ticks.get();
  j["risk_records"] = risk_records.get();
  j["pools"] = pools.get();
}

}  // namespace spotstream
