#pragma once
// The signal and fleet operators driven directly, as the decision shard drives them: a fleet state,
// a sink that keeps what is emitted (not what is replayed), and helpers for joins and notices.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "operators/decision/fleet_membership.hpp"
#include "operators/decision/signal_reaction.hpp"
#include "topology/process_metrics.hpp"
#include "src/core/time.hpp"

namespace spotstream::test {

inline FleetEvent join(const std::string& node, const std::string& instance, TimestampMs ts) {
  FleetEvent f;
  f.action = FleetAction::Join;
  f.ts = ts;
  f.fleet = "default";
  f.node_id = node;
  f.instance_id = instance;
  f.region = "us-east-1";
  f.az = "us-east-1a";
  f.instance_type = "c5.large";
  f.product = "Linux/UNIX";
  return f;
}

inline Signal notice(const std::string& instance, TimestampMs ts, SignalKind kind = SignalKind::Interruption,
              InstanceAction action = InstanceAction::Terminate) {
  Signal s;
  s.kind = kind;
  s.action = kind == SignalKind::Interruption ? action : InstanceAction::None;
  s.instance_id = instance;
  s.ts = ts;
  s.action_time = kind == SignalKind::Interruption ? ts + 2 * kMinuteMs : 0;
  s.event_id = instance + "-" + std::to_string(ts);
  return s;
}

inline FleetEvent join_in(const std::string& node, const std::string& instance, TimestampMs ts, const std::string& az,
                   const std::string& fleet = "default") {
  FleetEvent f = join(node, instance, ts);
  f.az = az;
  f.fleet = fleet;
  return f;
}

struct Harness {
  explicit Harness(SiblingSettings siblings = {}) : signals(settings(siblings), metrics) {}
  static SignalReactionSettings settings(SiblingSettings siblings) {
    SignalReactionSettings s;
    s.park_ms = 15 * kMinuteMs;
    s.park_max = 100;
    s.siblings = siblings;
    return s;
  }
  ProcessMetrics metrics;
  SignalReaction signals;
  FleetMembership fleet{signals, metrics};
  FleetState state;
  std::vector<Decision> out;
  DecisionSink emit = [this](const Decision& d, bool replay) {
    if (!replay) out.push_back(d);
  };

  //! `progressed`: the inputs have progressed past every event fed so far (sibling reactions are due).
  void feed(const Event& e, bool replay = false, bool progressed = true) {
    if (auto* s = std::get_if<Signal>(&e)) signals(*s, replay, state, emit);
    if (auto* f = std::get_if<FleetEvent>(&e)) fleet(*f, replay, state, emit);
    if (progressed) signals.siblings().release(state, std::numeric_limits<TimestampMs>::max(), emit);
  }
};

inline std::vector<std::string> ids(const std::vector<Decision>& ds) {
  std::vector<std::string> v;
  for (const auto& d : ds) v.push_back(d.decision_id + ":" + to_string(d.kind));
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace spotstream::test
