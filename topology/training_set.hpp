#pragma once
//! Labelled feature rows for training and evaluating risk models, built by the live price path
//! itself on the replay engine (PricePath::score with every-tick emission in the same shards and
//! partitions: the same window, family stress and feature code, not a copy), from a price history
//! in event-time order.
//!
//! - Row: one per tick the window takes, with every catalogue feature (model_features.hpp) of the
//!   pool at that tick, and the scores of the models given (the heuristic always).
//! - Label: the pool is `unstable` at t when its price rises by `rise` (3%) or more above the
//!   price at t within (t, t + horizon] (12 h); or, with LabelRule::notice, when an interruption
//!   notice reaches the pool within (t, t + horizon]. A price stands until the next tick (histories list
//!   changes), so the ticks in that interval are the prices it takes. Rows whose horizon reaches
//!   past the end of the history cannot be labelled and are left out.
//! - Split by time, never by row: train [start, validation_from), validation [validation_from,
//!   test_from), test [test_from, end]. A label looks `horizon` ahead, so train rows within
//!   `horizon` of validation_from and validation rows within `horizon` of test_from are purged:
//!   no label of an earlier slice sees a price of a later one.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/config/config.hpp"
#include "src/core/event.hpp"
#include "src/model/model_features.hpp"
#include "src/model/risk_model.hpp"

namespace spotstream {

class SpotAdvisor;

enum class Split : std::uint8_t { Train, Validation, Test, Purged };
std::string_view to_string(Split s);

struct LabelRule {
  double rise = 0.03;
  TimestampMs horizon_ms = 12 * 3600 * 1000LL;
  //! Label "notice" instead of "rise": the pool is unstable at t when an interruption notice
  //! reaches it within (t, t + horizon]; the notice times by pool id.
  bool notice = false;
  std::unordered_map<std::string, std::vector<TimestampMs>> notices;
};

struct SplitRule {
  TimestampMs test_from = 0;        //!< 0: the last test_fraction of the history's time span
  double test_fraction = 0.25;
  double validation_fraction = 0.2; //!< the latest part of what comes before test_from
};

struct TrainingSet {
  std::vector<std::string> pools;       //!< pool ids, indexed by Row::pool
  std::vector<std::string> model_ids;   //!< name@version of the scored models (heuristic first)
  struct Row {
    TimestampMs ts;
    std::uint32_t pool;
    Split split;
    unsigned char label;
  };
  std::vector<Row> rows;
  std::vector<double> values;  //!< rows x kFeatureCount: catalogue features of each row
  std::vector<double> scores;  //!< rows x model_ids.size(): crash probability of each model
  TimestampMs start = 0, end = 0, validation_from = 0, test_from = 0;
  std::size_t unlabelled = 0;  //!< rows left out: horizon past the end of the history

  double value(std::size_t row, FeatureId f) const { return values[row * kFeatureCount + static_cast<std::size_t>(f)]; }
  double score(std::size_t row, std::size_t model) const { return scores[row * model_ids.size() + model]; }
  //! Row indices of one split.
  std::vector<std::size_t> rows_of(Split s) const;
  //! Writes the rows as CSV: ts_ms, pool, split, label, the models' scores, then every catalogue
  //! feature (NaN as "nan"), all with round-trip precision. For tests/models/train_xgboost.py.
  void write_csv(const std::string& path) const;
};

//! Replays `ticks` (any order: sorted here by time, ties by pool) in process through the live price
//! path's shards (topology/replay; window settings and runtime.shards from `cfg`) with `advisor`
//! (may be null), every tick scored, then labels and splits the rows. `extra` models are scored
//! on every row after the heuristic. `signals_and_fleet` (signals and fleet events, any order) are
//! replayed with the ticks: the rows' interruption-pressure features count them as live.
TrainingSet build_training_set(std::vector<PriceTick> ticks, const Config& cfg,
                               std::shared_ptr<const SpotAdvisor> advisor, const LabelRule& label,
                               const SplitRule& split, const std::vector<std::shared_ptr<const RiskModel>>& extra = {},
                               std::vector<Event> signals_and_fleet = {});

}  // namespace spotstream
