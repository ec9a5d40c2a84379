#include "src/storage/history_report.hpp"

#include <fmt/format.h>

#include "src/storage/pg_connection.hpp"

namespace spotstream {

std::string history_report(const std::string& conninfo) {
  PgConnection c(conninfo, "spotstream-report");
  std::string out = fmt::format("PostgreSQL history ({}):\n  rows:", c.describe());
  const auto counts = c.exec(
      "SELECT (SELECT count(*) FROM price_ticks), (SELECT count(*) FROM risk_scores), (SELECT count(*) FROM decisions),"
      " (SELECT count(*) FROM signals), (SELECT count(*) FROM dead_letters)");
  const char* names[] = {"price_ticks", "risk_scores", "decisions", "signals", "dead_letters"};
  for (int i = 0; i < 5; ++i) out += fmt::format(" {} {}{}", names[i], counts.value(0, i), i < 4 ? "," : "\n");

  out += "  decisions per kind per day (UTC):\n";
  const auto per_day = c.exec(
      "SELECT to_char(date_trunc('day', ts AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,"
      " count(*) FILTER (WHERE kind = 'STAY'), count(*) FILTER (WHERE kind = 'SWITCH'),"
      " count(*) FILTER (WHERE kind = 'DRAIN'), count(*) FILTER (WHERE kind = 'EVACUATE')"
      " FROM decisions GROUP BY 1 ORDER BY 1");
  out += "    day         STAY SWITCH DRAIN EVACUATE\n";
  for (int r = 0; r < per_day.rows(); ++r)
    out += fmt::format("    {}  {:>4} {:>6} {:>5} {:>8}\n", per_day.value(r, 0), per_day.value(r, 1), per_day.value(r, 2),
                       per_day.value(r, 3), per_day.value(r, 4));

  out += "  riskiest pools by their latest score:\n";
  const auto risky = c.exec(
      "SELECT pool, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), round(crash_probability::numeric, 3), label, model"
      " FROM (SELECT DISTINCT ON (pool) * FROM risk_scores ORDER BY pool, ts DESC) latest"
      " ORDER BY crash_probability DESC, pool LIMIT 3");
  for (int r = 0; r < risky.rows(); ++r)
    out += fmt::format("    {:<34} {}  p={} {} ({})\n", risky.value(r, 0), risky.value(r, 1), risky.value(r, 2),
                       risky.value(r, 3), risky.value(r, 4));
  return out;
}

}  // namespace spotstream
