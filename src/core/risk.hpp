#pragma once
//! Per-pool features and risk: what the windows issue computes for each tick, and the record
//! spotstream publishes on spot.risk. Plain values; operators fill them, codecs encode them.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

inline constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();

//! Where a pool's on-demand price came from (Features::on_demand_source): the tick's own, the
//! static table, or nowhere. Static strings, so features copy without allocating.
inline constexpr std::string_view kOnDemandTick = "tick";
inline constexpr std::string_view kOnDemandTable = "table";
inline constexpr std::string_view kOnDemandAbsent = "absent";

//! Inputs a model had to assume because a feature was unknown (RiskScore::assumptions), as bits so
//! that scoring a tick allocates nothing; assumption_codes() gives their names for the record.
enum Assumption : std::uint8_t {
  kAssumeBandUnknown = 1,     //!< "band_unknown": no Spot Advisor band for the pool
  kAssumeOnDemandAbsent = 2,  //!< "on_demand_absent": no on-demand price, so no discount depth
  kAssumePriceUnknown = 4,    //!< "price_unknown": no usable price / volatility
  kAssumeInstanceUnknown = 8, //!< "instance_unknown": trained models whose inputs include the instance hardware
};
//! The codes of the set bits, in the order above.
std::vector<std::string_view> assumption_codes(std::uint8_t assumptions);
//! The bit of a code; 0 for an unknown code.
std::uint8_t assumption_bit(std::string_view code);

//! Interruption pressure (docs/design.md "Features"): how many distinct instances had an AWS signal
//! within each of three event-time windows before the features' time (risk.pressure_*_ms; short,
//! medium, long), in the pool and in its family in the AZ. Only instances the fleet events place
//! count (signals name an instance, not its pool).
inline constexpr std::size_t kPressureWindows = 3;
struct InterruptionPressure {
  std::uint32_t pool_notices[kPressureWindows] = {};
  std::uint32_t pool_rebalances[kPressureWindows] = {};
  std::uint32_t family_notices[kPressureWindows] = {};
  std::uint32_t family_rebalances[kPressureWindows] = {};
  bool operator==(const InterruptionPressure&) const = default;
};

//! The features of docs/design.md, "Features", for one pool at one event time. NaN marks a feature that
//! cannot be computed (e.g. discount_depth without any on-demand price); the record says why.
struct Features {
  double price = 0;              //!< the pool's current spot price (USD/h)
  double window_min = 0;         //!< 7-day min, including the price in effect at the window start
  double window_max = 0;         //!< 7-day max, likewise
  double price_position = 0.5;   //!< (price - min) / (max - min); 0.5 when flat
  double discount_depth = kAbsent;  //!< 1 - spot / on-demand; NaN when no on-demand price is known
  double on_demand_price = kAbsent;
  std::string_view on_demand_source = kOnDemandAbsent;  //!< kOnDemandTick, kOnDemandTable or kOnDemandAbsent
  double family_stress_mean = 0; //!< mean of the latest price_position over the family's pools in the AZ
  double family_stress_max = 0;  //!< max of the same
  std::uint32_t family_pools = 0;  //!< how many pools those are
  double volatility_24h = 0;     //!< population std dev of tick prices over the last 24 h (USD/h)
  double hour_sin = 0, hour_cos = 1;
  bool is_weekend = false;
  bool is_business_hours = false;
  std::uint32_t ticks_in_window = 0;  //!< ticks inside the 7-day window
  //! Spot Advisor interruption band of the pool's region/OS/type: 0 (<5%) .. 4 (>20%); -1 unknown.
  int advisor_band = -1;  //!< its label is in RiskRecord: only a published record needs it
  int advisor_savings_pct = 0;     //!< Spot Advisor savings over on-demand (percent); 0 when unknown
  //! Hardware of the pool's type from the Spot Advisor file's `instance_types`; NaN when unknown.
  double instance_cores = kAbsent;
  double instance_ram_gb = kAbsent;
  InterruptionPressure pressure;
};

//! A model's output. stability in [0,1], higher is safer. Which model produced it is named by
//! `model` (the model file's name, e.g. "heuristic-v1", "logistic-synth") and `model_version` (the
//! file's version, e.g. "1", "2025-01-07.1"): together they identify the exact model, and a
//! hot-swapped model changes them on the next record (src/model/risk_model.hpp).
struct RiskScore {
  double stability = 0.5;
  double crash_probability = 0.5;  //!< 1 - stability
  //! heuristic-v1: "safe" (stability > 0.65), "caution" (0.40-0.65), "avoid" (< 0.40).
  //! Trained models: "avoid" when crash_probability >= the model file's avoid_at (default: its
  //! F1-best threshold), "caution" when >= caution_at (default half of it), else "safe".
  std::string label;
  std::string model;               //!< model name, e.g. "heuristic-v1"
  //! Inputs the model had to assume because a feature was unknown (Assumption bits), so a record
  //! says when its score rests on a default.
  std::uint8_t assumptions = 0;
  // After the older fields, so that brace-initialised scores still compile.
  std::string model_version;       //!< version of that model, e.g. "1"; empty only in hand-made scores
  std::string model_kind;          //!< "heuristic", "logistic" or "xgboost"
};

//! One spot.risk record, keyed by pool ("<az>/<instance_type>/<product>").
struct RiskRecord {
  std::string pool;
  std::string region, az, instance_type, product, family;
  TimestampMs ts = 0;  //!< event time of the tick that produced it
  //! The window does not yet hold a full window length of its partition's history (the process
  //! read less than that before this tick): features lean on less than 7 days, and decisions do
  //! not act on the record.
  bool warming = false;
  //! The feed that carries this pool stalled: its price partition stopped advancing while the
  //! others went on (feeds.stale_after_ms). Stamped at the time the others had reached, with the
  //! pool's last record otherwise unchanged: from then on its price is not known, and decisions
  //! neither choose it as a target nor act on it, until a record of a later tick replaces it.
  bool stale = false;
  Features features;
  //! Label of features.advisor_band from the Spot Advisor file ("<5%" ... ">20%"); empty when unknown.
  //! Here rather than in Features so that the per-tick features copy without a string.
  std::string advisor_band_label;
  //! The windows features.pressure counts over (short, medium, long), so a record says what its
  //! counts mean.
  std::int64_t pressure_windows_ms[kPressureWindows] = {};
  RiskScore score;
};

}  // namespace spotstream
