#include "src/model/model_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

void ModelMetrics::to_json(nlohmann::json& j) const {
  j["model_reloads"] = model_reloads.get();
  j["model_rejects"] = model_rejects.get();
  j["advisor_reloads"] = advisor_reloads.get();
  j["advisor_rejects"] = advisor_rejects.get();
  if (advisor_fetches.get() > 0) {
    j["advisor_fetches"] = advisor_fetches.get();
    j["advisor_fetch_failures"] = advisor_fetch_failures.get();
  }
}

}  // namespace spotstream
