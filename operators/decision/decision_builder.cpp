#include "operators/decision/decision_builder.hpp"

#include "src/core/hash.hpp"

namespace spotstream {

std::string signal_label(const Signal& s) {
  if (s.kind == SignalKind::Rebalance) return "rebalance-recommendation";
  return std::string("interruption-notice:") + to_string(s.action == InstanceAction::None ? InstanceAction::Terminate : s.action);
}

std::string signal_cause(const Signal& s) {
  return s.event_id.empty() ? signal_label(s) + "@" + std::to_string(s.ts) : s.event_id;
}

std::string pool_of(const FleetEvent& node) { return PoolId::text(node.az, node.instance_type, node.product); }

Decision build_decision(const FleetEvent& node, DecisionKind kind, TimestampMs ts, std::string reason,
                        std::string signal, const std::string& cause) {
  Decision d;
  d.kind = kind;
  d.ts = ts;
  d.fleet = node.fleet;
  d.node_id = node.node_id;
  d.instance_id = node.instance_id;
  d.region = node.region;
  d.az = node.az;
  d.instance_type = node.instance_type;
  d.product = node.product;
  d.reason = std::move(reason);
  d.signal = std::move(signal);
  d.model = kSignalRulesModel;
  d.decision_id = to_hex16(fnv1a64_fields(
      {d.fleet, d.node_id, d.instance_id, to_string(kind), std::to_string(ts), d.signal, cause}));
  return d;
}

}  // namespace spotstream
