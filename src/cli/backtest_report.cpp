#include "src/cli/backtest_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "operators/backtest/model_quality.hpp"
#include "src/core/time.hpp"

namespace spotstream::cli {

namespace {

using ojson = nlohmann::ordered_json;

constexpr double kMsPerHour = 3'600'000.0;

//! Money to a hundredth of a cent and hours to a thousandth: what a reader compares, and a text
//! that cannot differ in its last digits between two runs that add the same terms.
double usd(double v) { return std::round(v * 1e4) / 1e4; }
double hours(double v) { return std::round(v * 1e3) / 1e3; }

ojson lead_times(std::vector<TimestampMs> lead) {
  if (lead.empty()) return nullptr;
  std::sort(lead.begin(), lead.end());
  return ojson{{"count", lead.size()},
               {"min_s", lead.front() / 1000.0},
               {"median_s", lead[lead.size() / 2] / 1000.0},
               {"max_s", lead.back() / 1000.0}};
}

ojson policy_json(const PolicyResult& p) {
  ojson j{{"name", p.name}, {"what", p.what}};
  if (!p.unavailable.empty()) {
    j["available"] = false;
    j["unavailable"] = p.unavailable;
    return j;
  }
  const auto& o = p.outcome;
  j["available"] = true;
  j["total_usd"] = usd(o.total_usd());
  j["instance_usd"] = usd(o.instance_usd);
  j["restart_usd"] = usd(o.restart_usd);
  j["migration_overlap_usd"] = usd(o.overlap_usd);
  j["unpriced_hours"] = hours(o.unpriced_hours);
  j["migrations"] = o.migrations;
  j["evacuations"] = o.evacuations;
  j["evacuations_cut_short"] = o.evacuations_cut_short;
  j["notices_received"] = o.notices;
  j["rebalances_received"] = o.rebalances;
  j["interruptions_suffered"] = o.suffered;
  j["downtime_hours"] = hours(o.downtime_hours);
  j["notice_lead_time"] = lead_times(o.lead_ms);
  j["decisions_followed"] = p.decisions_followed;
  j["costlier_without_safety"] = p.costlier_without_safety;
  ojson pools = ojson::object();
  for (const auto& [pool, h] : o.node_hours) pools[pool] = hours(h);
  j["node_hours"] = std::move(pools);
  return j;
}

ojson decisions_json(const BacktestWorld& w) {
  std::map<std::string, int> kinds{{"STAY", 0}, {"SWITCH", 0}, {"DRAIN", 0}, {"EVACUATE", 0}};
  int risk_driven = 0, to_on_demand = 0;
  for (const auto& d : w.decisions) {
    ++kinds[to_string(d.kind)];
    risk_driven += d.signal == "none" && d.kind == DecisionKind::Switch;
    to_on_demand += d.target == kOnDemandLocation;
  }
  ojson by_kind = ojson::object();
  for (const char* k : {"STAY", "SWITCH", "DRAIN", "EVACUATE"}) by_kind[k] = kinds[k];
  return ojson{{"total", w.decisions.size()}, {"by_kind", by_kind}, {"risk_driven_switches", risk_driven},
               {"to_on_demand", to_on_demand}};
}

ojson fleet_json(const BacktestWorld& w) {
  std::map<std::string, int> homes;
  for (const auto& n : w.nodes) ++homes[n.home];
  ojson j{{"nodes", w.nodes.size()}};
  if (!w.nodes.empty()) {
    const auto& f = w.nodes.front().join;
    j["instance_type"] = f.instance_type;
    j["region"] = f.region;
    j["product"] = f.product;
  }
  j["home_pools"] = homes;
  return j;
}

ojson savings_json(const std::vector<PolicyResult>& policies) {
  ojson j = ojson::object();
  if (policies.empty() || !policies.front().unavailable.empty()) return j;
  const double ours = policies.front().outcome.total_usd();
  for (std::size_t k = 1; k < policies.size(); ++k) {
    const auto& b = policies[k];
    if (!b.unavailable.empty()) continue;
    const double theirs = b.outcome.total_usd();
    j[b.name] = ojson{{"usd", usd(theirs - ours)},
                      {"percent", theirs > 0 ? std::round((theirs - ours) / theirs * 1e4) / 1e2 : 0.0},
                      {"interruptions_avoided", b.outcome.suffered - policies.front().outcome.suffered}};
  }
  return j;
}

ojson metrics_json(const ClassMetrics& m) {
  return ojson{{"threshold", std::round(m.threshold * 1e6) / 1e6}, {"precision", m.precision}, {"recall", m.recall},
               {"f1", m.f1}, {"tp", m.tp}, {"fp", m.fp}, {"fn", m.fn}, {"tn", m.tn}};
}

ojson label_json(const LabelQuality& q, const char* what) {
  return ojson{{"label", what},
               {"rows", q.at_gate.rows},
               {"positives", q.at_gate.positives},
               {"base_rate", q.base_rate},
               {"roc_auc", q.at_gate.positives == 0 || q.at_gate.positives == q.at_gate.rows ? ojson(nullptr)
                                                                                              : ojson(q.at_gate.auc)},
               {"at_safety_gate", metrics_json(q.at_gate)},
               {"at_best_threshold_in_hindsight", metrics_json(q.best)}};
}

ojson quality_json(const BacktestWorld& w) {
  const auto q = model_quality(w);
  const auto hours = q.labels.horizon_ms / 3'600'000.0;
  return ojson{{"scores", q.scores},
               {"censored", q.censored},
               {"horizon_hours", hours},
               {"price_rise", label_json(q.rise, fmt::format("the price rises {:g}% or more within {:g} h",
                                                             q.labels.rise * 100, hours).c_str())},
               {"interruption_notice", label_json(q.notice, fmt::format("an interruption notice reaches the pool "
                                                                        "within {:g} h", hours).c_str())}};
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) { return std::isnan(v) ? std::string() : fmt::format("{:.6g}", v); }

}  // namespace

nlohmann::ordered_json backtest_report(const BacktestResult& r, const BacktestSource& source) {
  const auto& w = *r.world;
  int interruptions = 0, rebalances = 0;
  for (const auto& n : w.notices) (n.kind == SignalKind::Interruption ? interruptions : rebalances)++;
  ojson bad = ojson::array();
  for (const auto& b : source.bad)
    bad.push_back(ojson{{"file", b.file}, {"line", b.line}, {"reason", b.error.reason}, {"detail", b.error.detail}});
  ojson j;
  j["generated_at"] = format_iso8601(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch()).count());
  j["period"] = ojson{{"from", format_iso8601(w.start)}, {"to", format_iso8601(w.end)},
                      {"hours", hours((w.end - w.start) / kMsPerHour)}};
  j["inputs"] = ojson{{"source", source.description},
                      {"price_ticks", r.ticks},
                      {"price_ticks_at_or_after_end", r.ticks_at_end},
                      {"pools", w.ledger.pools().size()},
                      {"signals", r.signals},
                      {"signals_without_pool", r.unplaced_signals},
                      {"interruption_notices", interruptions},
                      {"rebalance_recommendations", rebalances},
                      {"signals_to_engine", r.engine_signals},
                      {"replay_passes", r.passes},
                      {"relaunches", r.relaunches},
                      {"risk_records", r.risk_records},
                      {"dead_letters", r.dead_letters},
                      {"bad_lines", bad.size()},
                      {"bad_line_details", bad}};
  j["interruptions_simulated"] = interruptions > 0;
  if (interruptions == 0)
    j["interruptions_note"] = r.signals == 0
        ? "the input holds no interruption notices (prices only): no interruption is simulated, for any policy"
        : "no interruption notice in the input could be placed in a pool within the period: none is simulated";
  j["fleet"] = fleet_json(w);
  j["settings"] = ojson{{"migration_s", w.sim.migration_ms / 1000.0},
                        {"downtime_s", w.sim.downtime_ms / 1000.0},
                        {"restart_cost_usd", w.sim.restart_cost_usd},
                        {"safety_gate", w.settings.gate}};
  j["decisions"] = decisions_json(w);
  ojson policies = ojson::array();
  for (const auto& p : r.policies) policies.push_back(policy_json(p));
  j["policies"] = std::move(policies);
  j["savings"] = savings_json(r.policies);
  j["model_quality"] = quality_json(w);
  return j;
}

void write_backtest_files(const std::string& dir, const nlohmann::ordered_json& report, const BacktestResult& r) {
  std::filesystem::create_directories(dir);
  const auto open = [&](const std::string& name) {
    std::ofstream out(std::filesystem::path(dir) / name, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(dir + "/" + name + ": cannot write");
    return out;
  };
  {
    auto out = open("report.json");
    out << report.dump(2) << '\n';
  }
  auto csv = open("decisions.csv");
  csv << "time,node_id,instance_id,decision,home_pool,target,signal,action_time,crash_probability,yield,decision_id,"
         "reason\n";
  for (const auto& d : r.world->decisions)
    csv << format_iso8601(d.ts) << ',' << csv_field(d.node_id) << ',' << csv_field(d.instance_id) << ','
        << to_string(d.kind) << ',' << csv_field(PoolId::text(d.az, d.instance_type, d.product)) << ','
        << csv_field(d.target) << ',' << csv_field(d.signal) << ','
        << (d.action_time ? format_iso8601(d.action_time) : std::string()) << ',' << number(d.crash_probability)
        << ',' << number(d.yield) << ',' << csv_field(d.decision_id) << ',' << csv_field(d.reason) << '\n';
  if (!csv) throw std::runtime_error(dir + "/decisions.csv: write error");
}

std::string backtest_summary(const nlohmann::ordered_json& j) {
  std::string s = fmt::format("backtest {} .. {} ({} h), {} node(s) of {} in {}; {} interruption notice(s)\n",
                              j["period"]["from"].get<std::string>(), j["period"]["to"].get<std::string>(),
                              j["period"]["hours"].get<double>(), j["fleet"]["nodes"].get<int>(),
                              j["fleet"].value("instance_type", std::string("?")),
                              j["fleet"].value("region", std::string("?")),
                              j["inputs"]["interruption_notices"].get<int>());
  s += fmt::format("  {:<16} {:>12} {:>10} {:>10} {:>10} {:>10}\n", "policy", "cost USD", "moves", "notices", "suffered",
                   "downtime h");
  for (const auto& p : j["policies"]) {
    if (!p["available"].get<bool>()) {
      s += fmt::format("  {:<16} unavailable: {}\n", p["name"].get<std::string>(), p["unavailable"].get<std::string>());
      continue;
    }
    s += fmt::format("  {:<16} {:>12.2f} {:>10} {:>10} {:>10} {:>10.2f}\n", p["name"].get<std::string>(),
                     p["total_usd"].get<double>(),
                     p["migrations"].get<int>() + p["evacuations"].get<int>(), p["notices_received"].get<int>(),
                     p["interruptions_suffered"].get<int>(), p["downtime_hours"].get<double>());
  }
  return s;
}

}  // namespace spotstream::cli
