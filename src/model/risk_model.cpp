#include "src/model/risk_model.hpp"

#include <algorithm>
#include <cmath>


namespace spotstream {

namespace {

// The assumption code a missing input stands for (the codes heuristic-v1 already uses, plus one
// for unknown instance hardware).
Assumption assumption_of(FeatureId id) {
  switch (id) {
    case FeatureId::AdvisorBand:
    case FeatureId::AdvisorSavingsPct: return kAssumeBandUnknown;
    case FeatureId::DiscountDepth:
    case FeatureId::OnDemandPrice: return kAssumeOnDemandAbsent;
    case FeatureId::InstanceCores:
    case FeatureId::InstanceRamGb: return kAssumeInstanceUnknown;
    default: return kAssumePriceUnknown;
  }
}

}  // namespace

void RiskModel::describe(const Features& f, RiskScore& s) const {
  s.crash_probability = std::clamp(s.crash_probability, 0.0, 1.0);
  s.stability = 1.0 - s.crash_probability;
  s.label = s.crash_probability >= info_.avoid_at ? "avoid" : s.crash_probability >= info_.caution_at ? "caution" : "safe";
  s.model = info_.name;
  s.model_version = info_.version;
  s.model_kind = info_.kind;
  s.assumptions = 0;
  for (const FeatureId id : info_.features)
    if (std::isnan(feature_value(f, id))) s.assumptions |= assumption_of(id);
}

}  // namespace spotstream
