#pragma once
//! Builds a Decision for a node with its deterministic id: the same inputs give the same id on
//! every run, replay and shard count, so duplicates from at-least-once delivery are recognisable.
#include <functional>
#include <string>

#include "operators/decision/fleet_state.hpp"

namespace spotstream {

//! The model name of decisions made by the fleet and signal rules (joins, DRAIN, EVACUATE).
inline constexpr const char* kSignalRulesModel = "signal-rules-v1";

//! Where operators send decisions; the topology encodes and emits them. `replay`: the cause was
//! processed before a restart (its decision was delivered then): update state, emit nothing.
using DecisionSink = std::function<void(const Decision&, bool replay)>;

//! `cause` identifies the input that caused the decision (e.g. "join", a signal's event id).
Decision build_decision(const FleetEvent& node, DecisionKind kind, TimestampMs ts, std::string reason,
                        std::string signal, const std::string& cause);

//! A signal as decisions name it: "rebalance-recommendation" or "interruption-notice:<action>".
std::string signal_label(const Signal& s);

//! What identifies a signal as a decision's cause: its event id, else its label and time.
std::string signal_cause(const Signal& s);

//! Pool identity as printed in decisions: "<az>/<instance_type>/<product>".
std::string pool_of(const FleetEvent& node);

}  // namespace spotstream
