#pragma once
//! Fleet layer (decision layer 1): nodes join (-> STAY, then any signals parked for their instance)
//! and leave (forgotten). A repeated join of a known instance updates it silently: decisions are
//! emitted on change. Stateless: the state is the shard's FleetState.
#include "operators/decision/decision_builder.hpp"
#include "operators/decision/fleet_state.hpp"
#include "operators/decision/signal_reaction.hpp"

namespace spotstream {

class FleetMembership {
 public:
  FleetMembership(const SignalReaction& signals, DecisionMetrics& metrics) : signals_(signals), metrics_(metrics) {}
  void operator()(const FleetEvent& e, bool replay, FleetState& state, const DecisionSink& emit) const;
  //! Drops departed nodes once the signals watermark has passed their leave time.
  void forget_departed(FleetState& state) const;

 private:
  const SignalReaction& signals_;
  DecisionMetrics& metrics_;
};

}  // namespace spotstream
