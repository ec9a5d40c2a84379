#pragma once
//! The model reload thread's counters (model_watcher, model_topic).
#include <nlohmann/json_fwd.hpp>

#include "src/core/counter.hpp"

namespace spotstream {

struct ModelMetrics {
  Counter model_reloads;    //!< model files (or models-topic messages) validated and swapped in
  Counter model_rejects;    //!< refused: the previous model stays
  Counter advisor_reloads;  //!< Spot Advisor files reloaded
  Counter advisor_rejects;  //!< refused: the previous data stays
  Counter on_demand_reloads;  //!< on-demand catalogue files reloaded
  Counter on_demand_rejects;  //!< refused: the previous catalogue stays
  Counter advisor_fetches;         //!< downloads tried by the periodic refresh (advisor_fetch)
  Counter advisor_fetch_failures;  //!< ... that failed (the last good file stays)

  void to_json(nlohmann::json& j) const;
};

}  // namespace spotstream
