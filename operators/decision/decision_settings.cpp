#include "operators/decision/decision_settings.hpp"

namespace spotstream {

DecisionSettings DecisionSettings::from(const Config& cfg) {
  DecisionSettings s;
  s.enabled = cfg.get_bool("decisions.enabled");
  s.instant_ms = cfg.get_int("decisions.instant_ms");
  s.catch_up_ms = cfg.get_int("decisions.catch_up_ms");
  s.gate = cfg.get_double("decisions.safety_gate");
  s.gain_points = cfg.get_double("decisions.min_gain_points");
  s.gain_points_with_saving = cfg.get_double("decisions.min_gain_points_with_saving");
  s.saving = cfg.get_double("decisions.min_saving");
  s.min_dwell_ms = cfg.get_int("decisions.min_dwell_ms");
  s.family_cap = cfg.get_double("decisions.family_cap");
  s.other_az_penalty = cfg.get_double("decisions.other_az_penalty");
  s.max_band = static_cast<int>(cfg.get_int("decisions.max_band"));
  s.target_cooldown_ms = cfg.get_int("decisions.target_cooldown_ms");
  s.consolidate = cfg.get_bool("decisions.consolidate");
  return s;
}

}  // namespace spotstream
