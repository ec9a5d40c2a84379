#pragma once
//! The documented heuristic risk model (docs/design.md "Heuristic risk"): the fallback that needs no
//! training. stability = 0.60 x public-rate score + 0.25 x volatility score + 0.10 x gap score
//! + 0.05 x time score, each score in [0, 1] with 1 the safest; crash_probability = 1 - stability.
//! A score whose feature is unknown takes its neutral value 0.5 and the record's `assumptions`
//! say so.
#include <array>
#include <string_view>

#include "src/core/risk.hpp"
#include "src/model/risk_model.hpp"

namespace spotstream {

//! Weights of the four scores; they sum to 1 so stability stays in [0, 1].
inline constexpr double kWeightPublicRate = 0.60;
inline constexpr double kWeightVolatility = 0.25;
inline constexpr double kWeightGap = 0.10;
inline constexpr double kWeightTime = 0.05;

//! Public-rate score per Spot Advisor band (<5%, 5-10%, 10-15%, 15-20%, >20%): linear in the band,
//! from 1 (AWS reports under 5% interruptions) to 0 (over 20%, the band the static filter rejects).
inline constexpr std::array<double, 5> kBandScores = {1.0, 0.75, 0.5, 0.25, 0.0};

//! Neutral score for an unknown feature: neither rewards nor punishes a pool for missing data.
inline constexpr double kUnknownScore = 0.5;

//! Relative 24 h volatility (volatility_24h / price, a coefficient of variation) at which the
//! volatility score reaches 0; the score falls linearly from 1 at a still price. Since late 2017
//! spot prices move in small steps every few hours, a few percent of the price over a day at most;
//! a 24 h standard deviation of 10% of the price means the pool is in a spike.
inline constexpr double kVolatilityScale = 0.10;

//! Time score: AWS reclaims capacity when on-demand demand peaks, i.e. in local business hours.
inline constexpr double kTimeScoreBusinessHours = 0.0;
inline constexpr double kTimeScoreOffHours = 1.0;

//! Label thresholds: stability > kSafeAbove is "safe", < kAvoidBelow is "avoid", "caution" between
//! (both ends included).
inline constexpr double kSafeAbove = 0.65;
inline constexpr double kAvoidBelow = 0.40;

//! A score whose feature is unknown sets its Assumption bit (src/core/risk.hpp): band_unknown
//! (public-rate score 0.5), on_demand_absent (gap score 0.5), price_unknown (volatility score 0.5).

//! The four scores the heuristic weighs, exposed so that tests and reports can show the parts.
struct HeuristicParts {
  double public_rate = kUnknownScore;
  double volatility = kUnknownScore;
  double gap = kUnknownScore;
  double time = kUnknownScore;
};

//! The fallback model: what runs when no model file is configured, and what a model file of kind
//! "heuristic" selects. Its weights are fixed (above), so it has no training metrics; its label
//! follows the stability thresholds kSafeAbove / kAvoidBelow.
class HeuristicModel final : public RiskModel {
 public:
  static constexpr std::string_view kName = "heuristic-v1";
  static constexpr std::string_view kVersion = "1";

  //! `version` and `source` come from a model file of kind "heuristic"; the default is built in.
  explicit HeuristicModel(std::string version = std::string(kVersion), std::string source = "built-in");

  //! public_rate: kBandScores[advisor_band], 0.5 when the band is unknown (-1).
  //! volatility: max(0, 1 - (volatility_24h / price) / kVolatilityScale); 0.5 when price <= 0.
  //! gap: discount_depth clamped to [0, 1] (spot at or above on-demand: 0; free: 1); 0.5 when absent.
  //! time: kTimeScoreBusinessHours in local business hours, else kTimeScoreOffHours.
  static HeuristicParts parts(const Features& f);
  //! 1 - the weighted stability, clamped to [0, 1]. Static so the price path can call it directly.
  static double probability(const Features& f);
  double crash_probability(const Features& f) const override { return probability(f); }
  //! Label by stability, and the assumptions listed above.
  void describe(const Features& f, RiskScore& s) const override;
};

//! "safe", "caution" or "avoid" for a stability, by kSafeAbove / kAvoidBelow.
std::string_view risk_label(double stability);

}  // namespace spotstream
