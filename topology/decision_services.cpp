#include "topology/decision_services.hpp"

#include "src/model/model_watcher.hpp"

namespace spotstream {

DecisionServices::DecisionServices(const Config& cfg)
    : settings(DecisionSettings::from(cfg)),
      scoring(load_scoring_context(cfg)),
      table(settings.instant_ms),
      engine(settings, scoring, table) {}

}  // namespace spotstream
