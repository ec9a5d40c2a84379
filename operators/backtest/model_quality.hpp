#pragma once
//! How well the risk scores a backtest's replay published foretold what followed, over the period:
//! ROC AUC, and precision / recall / F1 at the safety gate (the score at which the engine calls a
//! pool unsafe) and at the best threshold in hindsight, for two labels of each published score:
//!   rise:   the pool's price rises by `rise` or more within the horizon (what `train` fits);
//!   notice: an interruption notice reaches the pool within the horizon (what a fleet suffers).
//! Scores whose horizon runs past the period's end are left out (their label is not known).
#include <string>
#include <vector>

#include "operators/backtest/backtest_world.hpp"
#include "src/model/classification_metrics.hpp"

namespace spotstream {

struct QualityLabels {
  double rise = 0.03;
  TimestampMs horizon_ms = 12 * 3'600'000;
};

struct LabelQuality {
  ClassMetrics at_gate;            //!< p >= the safety gate
  ClassMetrics best;               //!< at the best-F1 threshold, chosen in hindsight
  double base_rate = 0;            //!< positives / rows
};

struct ModelQuality {
  QualityLabels labels;
  std::size_t scores = 0;          //!< published scores in the period
  std::size_t censored = 0;        //!< left out: horizon past the end
  LabelQuality rise, notice;
};

ModelQuality model_quality(const BacktestWorld& w, QualityLabels labels = {});

}  // namespace spotstream
