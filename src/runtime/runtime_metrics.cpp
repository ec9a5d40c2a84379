#include "src/runtime/runtime_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

void RuntimeMetrics::to_json(nlohmann::json& j) const {
  j["messages_in"] = messages_in.get();
  j["messages_replayed"] = messages_replayed.get();
  j["messages_skipped"] = messages_skipped.get();
  j["ticks_held"] = ticks_held.get();
  j["ticks_released_early"] = ticks_released_early.get();
  j["messages_lost"] = messages_lost.get();
  j["bad_input_replayed"] = bad_input_replayed.get();
  j["prices_in"] = prices_in.get();
  j["signals_in"] = signals_in.get();
  j["fleet_in"] = fleet_in.get();
  j["commits"] = commits.get();
  auto& q = j["dlq"];
  q["total"] = dlq.total();
  for (auto r : DlqCounters::kReasons)
    if (dlq.get(r)) q[std::string(r)] = dlq.get(r);
  if (dlq.payloads_dropped()) q["payloads_dropped"] = dlq.payloads_dropped();
  j["marks_published"] = marks_published.get();
  j["partitions_assigned"] = partitions_assigned.get();
  j["partitions_revoked"] = partitions_revoked.get();
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
}

std::string RuntimeMetrics::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  to_json(j);
  return j.dump();
}

}  // namespace spotstream
