#pragma once
//! What the shards of one process share for decisions: the Spot Advisor data, the replicated risk
//! table, the signals in force and the decision engine. Built once per process; the REST API reads
//! the same object. Thread-safe (see each member).
#include <memory>

#include "operators/decision/decision_settings.hpp"
#include "operators/decision/model_decisions.hpp"
#include "src/config/config.hpp"
#include "operators/decision/risk_table.hpp"
#include "operators/decision/signal_board.hpp"
#include "src/model/spot_advisor.hpp"

namespace spotstream {

struct DecisionServices {
  //! Loads risk.spot_advisor_file when set (throws std::runtime_error when it cannot be read).
  explicit DecisionServices(const Config& cfg);

  DecisionSettings settings;
  std::shared_ptr<const SpotAdvisor> advisor;  //!< null without risk.spot_advisor_file
  RiskTable table;
  SignalBoard signals;
  ModelDecisions engine;  //!< const calls are safe from any thread (evaluate)
};

}  // namespace spotstream
