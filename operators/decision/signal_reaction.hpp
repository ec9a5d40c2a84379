#pragma once
//! Reactive override (decision layer 5): an interruption notice makes its node EVACUATE, a
//! rebalance recommendation makes it DRAIN. Signals always beat the model, and every signal emits a
//! decision. A signal for an instance not in the fleet is counted, logged and parked until the
//! instance joins or `park_ms` of event time pass. Stateless: the state is the shard's FleetState.
#include <set>

#include "operators/decision/decision_builder.hpp"
#include "operators/decision/fleet_state.hpp"
#include "operators/decision/decision_metrics.hpp"
#include "operators/decision/sibling_reaction.hpp"

namespace spotstream {

struct SignalReactionSettings {
  TimestampMs park_ms = 15 * 60 * 1000;
  std::size_t park_max = 100000;
  //! Departed nodes kept for notices stamped before their leave; the oldest go first beyond this
  //! (the signals watermark that normally releases them stalls while a signals partition is idle).
  std::size_t departed_max = 100000;
  SiblingSettings siblings;
  //! Event time the pools' signals are kept behind the newest (sibling window, target cool-down,
  //! and the instants a node taken over is evaluated again at).
  TimestampMs notices_kept_ms = 7 * 3600 * 1000;
};

class SignalReaction {
 public:
  SignalReaction(SignalReactionSettings settings, DecisionMetrics& metrics)
      : settings_(settings), metrics_(metrics), siblings_(settings.siblings) {}

  void operator()(const Signal& s, bool replay, FleetState& state, const DecisionSink& emit) const;
  //! The decision for a known node, then its siblings'; used directly when parked signals are
  //! applied on join.
  void react(const Signal& s, bool replay, const SignalPlace& place, FleetNode& node, FleetState& state,
             const DecisionSink& emit) const;
  //! Drops parked signals older than the shard's watermark minus park_ms (counted and logged).
  void expire(FleetState& state) const;
  //! Drops, uncounted, the parked signals read from `partitions` (revoked: their next owner reads
  //! them again); returns how many.
  std::size_t drop_parked(FleetState& state, const std::set<std::int32_t>& partitions) const;
  const SignalReactionSettings& settings() const { return settings_; }
  const SiblingReaction& siblings() const { return siblings_; }

 private:
  void apply(const Signal& s, bool replay, FleetNode& node, const DecisionSink& emit) const;
  void park(const Signal& s, bool replay, FleetState& state) const;
  void forget_notices(FleetState& state) const;

  SignalReactionSettings settings_;
  DecisionMetrics& metrics_;
  SiblingReaction siblings_;
};

}  // namespace spotstream
