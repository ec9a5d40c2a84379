#include "src/rest/readiness.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

ReadinessBounds ReadinessBounds::from(const Config& cfg) {
  ReadinessBounds b;
  b.max_lag = cfg.get_int("ready.max_lag");
  return b;
}

Readiness readiness(const RuntimeMetrics& m, const ReadinessBounds& bounds) {
  Readiness r;
  nlohmann::ordered_json checks;
  const auto partitions = m.partitions_now.get(), warming = m.partitions_warming.get();
  checks["partitions_assigned"] = partitions;
  checks["partitions_warming"] = warming;
  if (m.started.get() == 0) r.reasons.push_back("the run has not started");
  else if (partitions == 0) r.reasons.push_back("no input partition assigned yet (joining the consumer group)");
  if (warming > 0) r.reasons.push_back("warming up: " + std::to_string(warming) + " partition(s) still re-reading history");
  std::int64_t worst = 0;
  std::string worst_at;
  for (const auto& row : m.consumer_lag.rows())
    if (row.value > worst) {
      worst = row.value;
      worst_at = row.labels.at(0) + "[" + row.labels.at(1) + "]";
    }
  checks["max_lag"] = worst;
  if (bounds.max_lag > 0 && worst > bounds.max_lag)
    r.reasons.push_back("lagging: " + worst_at + " is " + std::to_string(worst) + " messages behind (ready.max_lag " +
                        std::to_string(bounds.max_lag) + ")");
  const auto stalled = m.stalled_feeds.snapshot().feeds;
  checks["price_partitions_stalled"] = stalled.size();
  for (const auto& f : stalled)
    r.reasons.push_back("price feed stalled: " + f.partition.first + "[" + std::to_string(f.partition.second) + "] is " +
                        std::to_string(f.behind_ms / 60000) +
                        " min behind the other price partitions (its pools are not decided on)");
  const auto failing = m.history_writers_failing.get();
  checks["history_writers_failing"] = failing;
  if (failing > 0) r.reasons.push_back("PostgreSQL unreachable: " + std::to_string(failing) + " writer(s) retrying");
  r.ready = r.reasons.empty();
  r.checks = checks.dump();
  return r;
}

std::string Readiness::json() const {
  nlohmann::ordered_json j;
  j["ready"] = ready;
  j["reasons"] = reasons;
  j["checks"] = nlohmann::ordered_json::parse(checks);
  return j.dump();
}

}  // namespace spotstream
