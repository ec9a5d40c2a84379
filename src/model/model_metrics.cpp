#include "src/model/model_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

void ModelMetrics::to_json(nlohmann::json& j) const {
  j["model_reloads"] = model_reloads.get();
  j["model_rejects"] = model_rejects.get();
  j["advisor_reloads"] = advisor_reloads.get();
  j["advisor_rejects"] = advisor_rejects.get();
  if (on_demand_reloads.get() + on_demand_rejects.get() > 0) {
    j["on_demand_reloads"] = on_demand_reloads.get();
    j["on_demand_rejects"] = on_demand_rejects.get();
  }
  if (advisor_fetches.get() > 0) {
    j["advisor_fetches"] = advisor_fetches.get();
    j["advisor_fetch_failures"] = advisor_fetch_failures.get();
  }
}

}  // namespace spotstream
