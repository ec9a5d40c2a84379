#include "operators/decision/decision_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

void DecisionMetrics::count_decision(DecisionKind k, std::string_view why) {
  const auto kind = static_cast<std::size_t>(k);
  decisions[kind].inc();
  std::size_t w = 0;
  while (w + 1 < kWhys.size() && kWhys[w] != why) ++w;
  decisions_by_why[kind][w].inc();
}

std::uint64_t DecisionMetrics::decisions_total() const {
  std::uint64_t t = 0;
  for (const auto& c : decisions) t += c.get();
  return t;
}

void DecisionMetrics::to_json(nlohmann::json& j) const {
  auto& d = j["decisions"];
  for (auto k : {DecisionKind::Stay, DecisionKind::Switch, DecisionKind::Drain, DecisionKind::Evacuate})
    d[to_string(k)] = decisions[static_cast<std::size_t>(k)].get();
  j["unknown_instance_signals"] = unknown_instance_signals.get();
  j["parked_signals_applied"] = parked_signals_applied.get();
  j["parked_signals_expired"] = parked_signals_expired.get();
  j["parked_signals_overflow"] = parked_signals_overflow.get();
  j["joins_caught_up"] = joins_caught_up.get();
  j["signal_decisions_waited"] = signal_decisions_waited.get();
  j["signal_decisions_unscored"] = signal_decisions_unscored.get();
  j["fleet_nodes"] = fleet_nodes.get();
  j["unknown_instance_types"] = unknown_instance_types.get();
  j["risk_table_records"] = risk_table_records.get();
  j["risk_table_unreadable"] = risk_table_unreadable.get();
}

}  // namespace spotstream
