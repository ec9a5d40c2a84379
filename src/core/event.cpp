#include "src/core/event.hpp"

#include "src/core/hash.hpp"

namespace spotstream {

std::uint64_t PriceTick::routing_hash() const { return family_key_hash(az, family_view()); }

const char* to_string(DecisionKind k) {
  switch (k) {
    case DecisionKind::Stay: return "STAY";
    case DecisionKind::Switch: return "SWITCH";
    case DecisionKind::Drain: return "DRAIN";
    case DecisionKind::Evacuate: return "EVACUATE";
  }
  return "?";
}

const char* to_string(SignalKind k) {
  return k == SignalKind::Interruption ? "interruption-notice" : "rebalance-recommendation";
}

const char* to_string(InstanceAction a) {
  switch (a) {
    case InstanceAction::None: return "none";
    case InstanceAction::Terminate: return "terminate";
    case InstanceAction::Stop: return "stop";
    case InstanceAction::Hibernate: return "hibernate";
  }
  return "?";
}

const char* to_string(SignalFormat f) {
  switch (f) {
    case SignalFormat::EventBridge: return "eventbridge";
    case SignalFormat::ImdsInstanceAction: return "imds-instance-action";
    case SignalFormat::ImdsRebalance: return "imds-rebalance";
    case SignalFormat::Canonical: return "canonical";
  }
  return "?";
}

const char* to_string(FleetAction a) { return a == FleetAction::Join ? "join" : "leave"; }

}  // namespace spotstream
