#pragma once
//! What the shards of one process share: the scoring context (the risk model and the Spot Advisor
//! data, hot-reloaded, read by the price shards and the decisions alike), the replicated risk
//! table, the signals in force and the decision engine. Built once per process; the REST API reads
//! the same object. Thread-safe (see each member).
#include <memory>

#include "operators/decision/decision_settings.hpp"
#include "operators/decision/model_decisions.hpp"
#include "src/config/config.hpp"
#include "operators/decision/risk_table.hpp"
#include "operators/decision/signal_board.hpp"
#include "src/model/scoring_context.hpp"

namespace spotstream {

struct DecisionServices {
  //! Loads model.file and risk.spot_advisor_file when set (throws ConfigError naming the file when
  //! either cannot be loaded).
  explicit DecisionServices(const Config& cfg);

  DecisionSettings settings;
  std::shared_ptr<ScoringContext> scoring;  //!< published into by the process's ModelWatcher
  RiskTable table;
  SignalBoard signals;
  ModelDecisions engine;  //!< const calls are safe from any thread (evaluate)
};

}  // namespace spotstream
