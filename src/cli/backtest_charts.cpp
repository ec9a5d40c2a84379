#include "src/cli/backtest_charts.hpp"

#include "src/core/time.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace spotstream::cli {

namespace {

namespace fs = std::filesystem;

std::ofstream create(const fs::path& p) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(p.string() + ": cannot write");
  return out;
}

// Gnuplot's strings are single-quoted; a quote inside is doubled.
std::string gp_string(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

const PolicyResult* ours(const BacktestResult& r) {
  return !r.policies.empty() && r.policies.front().unavailable.empty() ? &r.policies.front() : nullptr;
}

// cost.dat: hour, then each available policy's cumulative cost.
std::vector<std::string> write_cost(const fs::path& dir, const BacktestResult& r) {
  std::vector<const PolicyResult*> shown;
  for (const auto& p : r.policies)
    if (p.unavailable.empty()) shown.push_back(&p);
  auto out = create(dir / "cost.dat");
  out << "time";
  for (const auto* p : shown) out << ' ' << p->name;
  out << '\n';
  const std::size_t rows = shown.empty() ? 0 : shown.front()->outcome.cumulative.size();
  for (std::size_t k = 0; k < rows; ++k) {
    out << shown.front()->outcome.cumulative[k].first / 1000;
    for (const auto* p : shown) out << ' ' << fmt::format("{:.4f}", p->outcome.cumulative[k].second);
    out << '\n';
  }
  std::vector<std::string> names;
  for (const auto* p : shown) names.push_back(p->name);
  return names;
}

// risk.dat: one block per home pool (crash probability over time); moves.dat: decisions followed.
std::vector<std::string> write_risk(const fs::path& dir, const BacktestResult& r) {
  const auto& w = *r.world;
  std::set<std::string> homes;
  for (const auto& n : w.nodes) homes.insert(n.home);
  std::map<std::string, std::vector<std::pair<TimestampMs, double>>> series;
  for (const auto& s : w.scored())
    if (s.ts >= w.start && s.ts <= w.end && homes.contains(w.scored_pool(s)))
      series[w.scored_pool(s)].emplace_back(s.ts, s.crash_probability);
  auto out = create(dir / "risk.dat");
  std::vector<std::string> pools;
  for (const auto& [pool, points] : series) {
    if (!pools.empty()) out << "\n\n";
    for (const auto& [ts, p] : points) out << ts / 1000 << ' ' << p << '\n';
    pools.push_back(pool);
  }
  auto moves = create(dir / "moves.dat");
  for (const auto& d : w.decisions)
    if (d.kind != DecisionKind::Stay || d.signal != "none") moves << d.ts / 1000 << " 1 " << to_string(d.kind) << '\n';
  return pools;
}

// placement.dat: one block per location spotstream's fleet ran in: hour, price, instances.
std::vector<std::string> write_placement(const fs::path& dir, const BacktestResult& r) {
  auto out = create(dir / "placement.dat");
  std::vector<std::string> shown;
  const auto* p = ours(r);
  if (!p) return shown;
  const auto& w = *r.world;
  for (const auto& [location, counts] : p->outcome.occupancy) {
    if (location == kOnDemandLocation) continue;
    if (!shown.empty()) out << "\n\n";
    for (std::size_t h = 0; h < counts.size(); ++h) {
      const TimestampMs t = std::min(w.end, w.start + static_cast<TimestampMs>(h) * kHourMs);
      const auto price = w.ledger.price_at(location, t);
      out << t / 1000 << ' ' << (price ? fmt::format("{:.6f}", *price) : std::string("NaN")) << ' ' << counts[h] << '\n';
    }
    shown.push_back(location);
  }
  return shown;
}

void write_bars(const fs::path& file, const std::vector<std::pair<std::string, double>>& bars) {
  auto out = create(file);
  for (const auto& [label, value] : bars) out << '"' << label << "\" " << value << '\n';
}

std::string script(const std::vector<std::string>& policies, const std::vector<std::string>& risk_pools,
                   const std::vector<std::string>& placed) {
  std::string s =
      "set terminal pngcairo size 1000,480 noenhanced font 'sans,10'\n"
      "set datafile missing 'NaN'\n"
      "set xdata time\nset timefmt '%s'\nset format x \"%m-%d\\n%H:%M\"\nset grid\nset key outside right\n";
  s += "set output 'cost.png'\nset title 'Cumulative cost, USD (whole instances, per second)'\n";
  s += "plot for [i=2:" + std::to_string(policies.size() + 1) +
       "] 'cost.dat' using 1:i with lines linewidth 2 title columnheader(i)\n";
  s += "set output 'risk.png'\nset title 'Crash probability of the home pools; decisions that moved nodes'\n"
       "set yrange [0:1.05]\nplot ";
  for (std::size_t k = 0; k < risk_pools.size(); ++k)
    s += fmt::format("'risk.dat' index {} using 1:2 with steps title {}, ", k, gp_string(risk_pools[k]));
  s += "'moves.dat' using 1:2 with impulses linecolor rgb 'red' title 'SWITCH / DRAIN / EVACUATE'\n";
  s += "set autoscale y\n";
  s += "set output 'placement.png'\nset multiplot layout 2,1\n"
       "set title 'Spot price of the pools spotstream used, USD/h'\nplot ";
  for (std::size_t k = 0; k < placed.size(); ++k)
    s += fmt::format("{}'placement.dat' index {} using 1:2 with steps title {}", k ? ", " : "", k, gp_string(placed[k]));
  if (placed.empty()) s += "NaN notitle";
  s += "\nset title 'Instances running per pool'\nplot ";
  for (std::size_t k = 0; k < placed.size(); ++k)
    s += fmt::format("{}'placement.dat' index {} using 1:3 with steps title {}", k ? ", " : "", k, gp_string(placed[k]));
  if (placed.empty()) s += "NaN notitle";
  s += "\nunset multiplot\n";
  s += "unset xdata\nset format x '% g'\nset style fill solid 0.6\nset boxwidth 0.6\nset key off\nset yrange [*:*]\n";
  s += "set output 'savings.png'\nset title 'Saving of following spotstream against each baseline, USD'\n"
       "plot 'savings.dat' using 0:2:xtic(1) with boxes\n";
  s += "set output 'decisions.png'\nset title 'Decisions by kind'\n"
       "plot 'decisions.dat' using 0:2:xtic(1) with boxes\n";
  return s;
}

}  // namespace

std::vector<std::string> backtest_chart_files() {
  return {"cost.png", "savings.png", "risk.png", "decisions.png", "placement.png"};
}

std::string draw_backtest_charts(const std::string& dir, const nlohmann::ordered_json& report, const BacktestResult& r) {
  const fs::path d(dir);
  const auto policies = write_cost(d, r);
  const auto risk_pools = write_risk(d, r);
  const auto placed = write_placement(d, r);
  std::vector<std::pair<std::string, double>> savings, kinds;
  for (const auto& [name, s] : report["savings"].items()) savings.emplace_back(name, s["usd"].get<double>());
  if (savings.empty()) savings.emplace_back("none", 0.0);
  write_bars(d / "savings.dat", savings);
  for (const auto& [kind, n] : report["decisions"]["by_kind"].items()) kinds.emplace_back(kind, n.get<double>());
  write_bars(d / "decisions.dat", kinds);
  create(d / "charts.gp") << script(policies, risk_pools, placed);
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    return "gnuplot is not installed (Debian gnuplot-nox; scripts/setup.sh installs it): charts not drawn";
  std::string quoted_dir;  // for the shell: inside single quotes, a quote is '\''
  for (char c : dir) quoted_dir += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string cmd = "cd '" + quoted_dir + "' && gnuplot charts.gp > gnuplot.log 2>&1";
  if (std::system(cmd.c_str()) != 0) return "gnuplot failed: see " + dir + "/gnuplot.log";
  for (const auto& f : backtest_chart_files())
    if (!fs::exists(d / f)) return "gnuplot did not write " + f + ": see " + dir + "/gnuplot.log";
  return {};
}

}  // namespace spotstream::cli
