#include "src/model/heuristic_model.hpp"

#include <algorithm>
#include <cmath>

namespace spotstream {

namespace {

ModelInfo heuristic_info(std::string version, std::string source) {
  ModelInfo i;
  i.kind = "heuristic";
  i.name = std::string(HeuristicModel::kName);
  i.version = std::move(version);
  i.features = {FeatureId::AdvisorBand, FeatureId::Volatility24h, FeatureId::Price, FeatureId::DiscountDepth,
                FeatureId::IsBusinessHours};
  // "avoid" below stability kAvoidBelow is crash_probability above 1 - kAvoidBelow.
  i.threshold = 1.0 - kAvoidBelow;
  i.avoid_at = 1.0 - kAvoidBelow;
  i.caution_at = 1.0 - kSafeAbove;
  i.source = std::move(source);
  return i;
}

}  // namespace

HeuristicModel::HeuristicModel(std::string version, std::string source)
    : RiskModel(heuristic_info(std::move(version), std::move(source))) {}

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

namespace {

double stability_of(const Features& f) {
  const HeuristicParts p = HeuristicModel::parts(f);
  const double stability = kWeightPublicRate * p.public_rate + kWeightVolatility * p.volatility +
                           kWeightGap * p.gap + kWeightTime * p.time;
  // The weights sum to 1 up to rounding: clamp so that rounding never leaves [0, 1].
  return std::clamp(stability, 0.0, 1.0);
}

}  // namespace

double HeuristicModel::probability(const Features& f) { return 1.0 - stability_of(f); }

void HeuristicModel::describe(const Features& f, RiskScore& s) const {
  // The stability itself, not 1 - (1 - stability): records keep the exact value they always had.
  s.stability = stability_of(f);
  s.crash_probability = 1.0 - s.stability;
  s.label = risk_label(s.stability);
  s.model = info().name;
  s.model_version = info().version;
  s.model_kind = info().kind;
  s.assumptions = 0;
  if (f.advisor_band < 0 || static_cast<std::size_t>(f.advisor_band) >= kBandScores.size())
    s.assumptions |= kAssumeBandUnknown;
  if (!(f.price > 0 && std::isfinite(f.volatility_24h))) s.assumptions |= kAssumePriceUnknown;
  if (std::isnan(f.discount_depth)) s.assumptions |= kAssumeOnDemandAbsent;
}

std::string_view risk_label(double stability) {
  if (stability > kSafeAbove) return "safe";
  if (stability < kAvoidBelow) return "avoid";
  return "caution";
}

}  // namespace spotstream
