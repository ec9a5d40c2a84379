#include "src/model/heuristic_model.hpp"

#include <algorithm>
#include <cmath>

namespace spotstream {

HeuristicParts HeuristicModel::parts(const Features& f) {
  HeuristicParts p;
  if (f.advisor_band >= 0 && static_cast<std::size_t>(f.advisor_band) < kBandScores.size())
    p.public_rate = kBandScores[static_cast<std::size_t>(f.advisor_band)];
  if (f.price > 0 && std::isfinite(f.volatility_24h))
    p.volatility = std::max(0.0, 1.0 - (f.volatility_24h / f.price) / kVolatilityScale);
  if (!std::isnan(f.discount_depth)) p.gap = std::clamp(f.discount_depth, 0.0, 1.0);
  p.time = f.is_business_hours ? kTimeScoreBusinessHours : kTimeScoreOffHours;
  return p;
}

RiskScore HeuristicModel::score(const Features& f) const {
  const HeuristicParts p = parts(f);
  RiskScore s;
  const double stability = kWeightPublicRate * p.public_rate + kWeightVolatility * p.volatility +
                           kWeightGap * p.gap + kWeightTime * p.time;
  // The weights sum to 1 up to rounding: clamp so that rounding never leaves [0, 1].
  s.stability = std::clamp(stability, 0.0, 1.0);
  s.crash_probability = 1.0 - s.stability;
  s.label = risk_label(s.stability);
  s.model = kName;
  if (f.advisor_band < 0 || static_cast<std::size_t>(f.advisor_band) >= kBandScores.size())
    s.assumptions |= kAssumeBandUnknown;
  if (!(f.price > 0 && std::isfinite(f.volatility_24h))) s.assumptions |= kAssumePriceUnknown;
  if (std::isnan(f.discount_depth)) s.assumptions |= kAssumeOnDemandAbsent;
  return s;
}

std::string_view risk_label(double stability) {
  if (stability > kSafeAbove) return "safe";
  if (stability < kAvoidBelow) return "avoid";
  return "caution";
}

}  // namespace spotstream
