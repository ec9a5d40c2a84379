#include "src/runtime/runtime_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

namespace {
std::size_t reason_index(std::string_view reason) {
  for (std::size_t i = 0; i + 1 < DlqCounters::kReasons.size(); ++i)
    if (DlqCounters::kReasons[i] == reason) return i;
  return DlqCounters::kReasons.size() - 1;
}
}  // namespace

void DlqCounters::inc(std::string_view reason, std::uint64_t n) { counts_[reason_index(reason)].inc(n); }
std::uint64_t DlqCounters::get(std::string_view reason) const { return counts_[reason_index(reason)].get(); }
std::uint64_t DlqCounters::total() const {
  std::uint64_t t = 0;
  for (const auto& c : counts_) t += c.get();
  return t;
}

std::uint64_t RuntimeMetrics::decisions_total() const {
  std::uint64_t t = 0;
  for (const auto& c : decisions) t += c.get();
  return t;
}

std::string RuntimeMetrics::to_json() const {
  nlohmann::json j;
  j["messages_in"] = messages_in.get();
  j["messages_replayed"] = messages_replayed.get();
  j["messages_skipped"] = messages_skipped.get();
  j["messages_lost"] = messages_lost.get();
  j["bad_input_replayed"] = bad_input_replayed.get();
  j["prices_in"] = prices_in.get();
  j["signals_in"] = signals_in.get();
  j["fleet_in"] = fleet_in.get();
  j["commits"] = commits.get();
  auto& d = j["decisions"];
  for (auto k : {DecisionKind::Stay, DecisionKind::Switch, DecisionKind::Drain, DecisionKind::Evacuate})
    d[to_string(k)] = decisions[static_cast<std::size_t>(k)].get();
  auto& q = j["dlq"];
  q["total"] = dlq.total();
  for (auto r : DlqCounters::kReasons)
    if (dlq.get(r)) q[std::string(r)] = dlq.get(r);
  j["unknown_instance_signals"] = unknown_instance_signals.get();
  j["parked_signals_applied"] = parked_signals_applied.get();
  j["joins_caught_up"] = joins_caught_up.get();
  j["unknown_instance_types"] = unknown_instance_types.get();
  j["parked_signals_expired"] = parked_signals_expired.get();
  j["parked_signals_overflow"] = parked_signals_overflow.get();
  j["duplicate_ticks"] = duplicate_ticks.get();
  j["risk_records"] = risk_records.get();
  j["risk_marks"] = risk_marks.get();
  j["partitions_assigned"] = partitions_assigned.get();
  j["partitions_revoked"] = partitions_revoked.get();
  j["risk_table_records"] = risk_table_records.get();
  j["risk_table_unreadable"] = risk_table_unreadable.get();
  j["model_reloads"] = model_reloads.get();
  j["model_rejects"] = model_rejects.get();
  j["advisor_reloads"] = advisor_reloads.get();
  j["advisor_rejects"] = advisor_rejects.get();
  j["outputs_delivered"] = outputs_delivered.get();
  j["delivery_failures"] = delivery_failures.get();
  if (transactions_committed.get() + transactions_aborted.get() > 0) {  // exactly_once only
    j["transactions_committed"] = transactions_committed.get();
    j["transactions_aborted"] = transactions_aborted.get();
  }
  auto& h = j["history"];
  h["rows_written"] = history_rows_written.get();
  h["rows_duplicate"] = history_rows_duplicate.get();
  h["transactions"] = history_transactions.get();
  h["retries"] = history_retries.get();
  h["unreadable"] = history_unreadable.get();
  return j.dump();
}

}  // namespace spotstream
