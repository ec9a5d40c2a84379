#pragma once
//! The decisions' counters. Written by the decision shard, and by the thread that reads spot.risk
//! into the risk table (risk_table_*).
#include <nlohmann/json_fwd.hpp>

#include <array>

#include "src/core/counter.hpp"
#include "src/core/event.hpp"

namespace spotstream {

struct DecisionMetrics {
  std::array<Counter, 4> decisions;  //!< indexed by DecisionKind
  Counter unknown_instance_signals;  //!< signals for instances not (yet) in the fleet
  Counter parked_signals_applied;    //!< of those, applied when the instance joined later
  Counter parked_signals_expired;    //!< of those, expired unmatched (logged)
  Counter parked_signals_overflow;   //!< of those, not kept: the parked table was full (logged)
  Counter joins_caught_up;           //!< live joins older than instants already decided, evaluated at those
  Counter unknown_instance_types;    //!< joins of a well-formed instance type no catalogue knows (logged)
  Counter risk_table_records;        //!< spot.risk records read into the risk table (decisions.risk_source=topic)
  Counter risk_table_unreadable;     //!< spot.risk messages that are neither a record nor a mark (logged)

  void count_decision(DecisionKind k) { decisions[static_cast<std::size_t>(k)].inc(); }
  std::uint64_t decisions_total() const;
  void to_json(nlohmann::json& j) const;
};

}  // namespace spotstream
