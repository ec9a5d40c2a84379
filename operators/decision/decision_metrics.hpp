#pragma once
//! The decisions' counters. Written by the decision shard, and by the thread that reads spot.risk
//! into the risk table (risk_table_*).
#include <nlohmann/json_fwd.hpp>

#include <array>
#include <string_view>

#include "src/core/counter.hpp"
#include "src/core/histogram.hpp"
#include "src/core/event.hpp"

namespace spotstream {

struct DecisionMetrics {
  //! Decision::why values ("" for STAY and a signal-less DRAIN); an unknown one counts as the last.
  static constexpr std::array<std::string_view, 8> kWhys = {"",       "gate",   "gain",    "gain_and_saving",
                                                           "saving", "signal", "sibling", "other"};
  std::array<Counter, 4> decisions;  //!< indexed by DecisionKind
  std::array<std::array<Counter, kWhys.size()>, 4> decisions_by_why;  //!< [DecisionKind][kWhys index]
  //! Seconds from an AWS signal's poll to the decision it caused being handed to the sink.
  Histogram signal_decision_seconds{Histogram::exponential(0.0001, 2, 16)};
  Counter unknown_instance_signals;  //!< signals for instances not (yet) in the fleet
  Counter parked_signals_applied;    //!< of those, applied when the instance joined later
  Counter parked_signals_expired;    //!< of those, expired unmatched (logged)
  Counter parked_signals_overflow;   //!< of those, not kept: the parked table was full (logged)
  //! Signal decisions that waited for the scores of their time (the prices lagged the signals)...
  Counter signal_decisions_waited;
  //! ...and of those, that went on the scores the table had after decisions.signal_scores_wait_ms (logged)
  Counter signal_decisions_unscored;
  Counter joins_caught_up;           //!< live joins older than instants already decided, evaluated at those
  Counter unknown_instance_types;    //!< joins of a well-formed instance type no catalogue knows (logged)
  Counter risk_table_records;        //!< spot.risk records read into the risk table (decisions.risk_source=topic)
  Counter risk_table_unreadable;     //!< spot.risk messages that are neither a record nor a mark (logged)
  Gauge fleet_nodes;                 //!< nodes the decision shard holds (limits.max_fleet_nodes)

  void count_decision(DecisionKind k, std::string_view why);
  std::uint64_t decisions_total() const;
  void to_json(nlohmann::json& j) const;
};

}  // namespace spotstream
