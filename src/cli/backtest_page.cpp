// index.html of a backtest: headline figures, tables and charts on one page that needs no network.
// Figures are taken from report.json as written; each sits in an element whose data-figure names its
// path in report.json.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "src/cli/backtest_charts.hpp"

namespace spotstream::cli {

namespace {

using ojson = nlohmann::ordered_json;

std::string html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string text(const ojson& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "n/a";
  if (v.is_number_float()) return fmt::format("{:.2f}", v.get<double>());
  return v.dump();
}

// A figure: its value as report.json has it, tagged with its path there.
std::string figure(const ojson& report, const std::string& path) {
  const auto& v = report.at(ojson::json_pointer(path));
  return fmt::format("<span data-figure=\"{}\">{}</span>", html(path), html(text(v)));
}

std::string policies_table(const ojson& r) {
  std::string s = "<table><tr><th>policy</th><th>total USD</th><th>instances USD</th><th>restarts USD</th>"
                  "<th>migration overlap USD</th><th>moves</th><th>evacuations</th><th>notices</th>"
                  "<th>interruptions suffered</th><th>downtime h</th><th>what it does</th></tr>\n";
  const auto& ps = r["policies"];
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const auto& p = ps[k];
    const std::string base = "/policies/" + std::to_string(k) + "/";
    s += "<tr><td>" + html(p["name"].get<std::string>()) + "</td>";
    if (!p["available"].get<bool>()) {
      s += "<td colspan=\"9\">unavailable: " + html(p["unavailable"].get<std::string>()) + "</td>";
    } else {
      for (const char* f : {"total_usd", "instance_usd", "restart_usd", "migration_overlap_usd", "migrations",
                            "evacuations", "notices_received", "interruptions_suffered", "downtime_hours"})
        s += "<td class=\"n\">" + figure(r, base + f) + "</td>";
    }
    s += "<td>" + html(p["what"].get<std::string>()) + "</td></tr>\n";
  }
  return s + "</table>\n";
}

std::string headline(const ojson& r) {
  std::string s = "<div class=\"headline\">";
  if (!r["policies"].empty() && r["policies"][0]["available"].get<bool>()) {
    s += "<p>Following spotstream: <b>$" + figure(r, "/policies/0/total_usd") + "</b>, " +
         figure(r, "/policies/0/interruptions_suffered") + " interruption(s) suffered.</p><ul>";
    for (const auto& [name, v] : r["savings"].items())
      s += "<li>against <b>" + html(name) + "</b>: saves $" + figure(r, "/savings/" + name + "/usd") + " (" +
           figure(r, "/savings/" + name + "/percent") + "%), " +
           figure(r, "/savings/" + name + "/interruptions_avoided") + " interruption(s) avoided</li>";
    s += "</ul>";
  }
  if (r.contains("interruptions_note")) s += "<p class=\"note\">" + figure(r, "/interruptions_note") + "</p>";
  return s + "</div>\n";
}

std::string quality_table(const ojson& r) {
  std::string s = "<table><tr><th>label</th><th>rows</th><th>base rate</th><th>ROC AUC</th><th>precision</th>"
                  "<th>recall</th><th>F1</th><th>at threshold</th></tr>\n";
  for (const char* label : {"price_rise", "interruption_notice"}) {
    const std::string base = std::string("/model_quality/") + label;
    for (const char* at : {"at_safety_gate", "at_best_threshold_in_hindsight"}) {
      const std::string m = base + "/" + at + "/";
      s += "<tr><td>" + html(r["model_quality"][label]["label"].get<std::string>()) + " (" + at + ")</td><td>" +
           figure(r, base + "/rows") + "</td><td>" + figure(r, base + "/base_rate") + "</td><td>" +
           figure(r, base + "/roc_auc") + "</td><td>" + figure(r, m + "precision") + "</td><td>" +
           figure(r, m + "recall") + "</td><td>" + figure(r, m + "f1") + "</td><td>" + figure(r, m + "threshold") +
           "</td></tr>\n";
    }
  }
  return s + "</table>\n";
}

std::string decisions_table(const ojson& r) {
  std::string s = "<table><tr>";
  for (const auto& [kind, n] : r["decisions"]["by_kind"].items()) s += "<th>" + html(kind) + "</th>";
  s += "<th>SWITCH costlier without a safety reason</th></tr><tr>";
  for (const auto& [kind, n] : r["decisions"]["by_kind"].items())
    s += "<td class=\"n\">" + figure(r, "/decisions/by_kind/" + kind) + "</td>";
  s += "<td class=\"n\">" + figure(r, "/policies/0/costlier_without_safety") + "</td></tr></table>\n";
  return s;
}

}  // namespace

void write_backtest_page(const std::string& dir, const nlohmann::ordered_json& r, const std::string& charts_missing) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>spotstream backtest</title>\n"
      "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
      "td,th{border:1px solid #bbb;padding:.3em .6em;font-size:90%}td.n{text-align:right}"
      ".headline{font-size:115%}.note{color:#a60}img{max-width:100%;display:block;margin:1em 0}</style>\n"
      "</head><body>\n<h1>spotstream backtest</h1>\n";
  page += "<p>" + figure(r, "/period/from") + " to " + figure(r, "/period/to") + " (" + figure(r, "/period/hours") +
          " h); " + figure(r, "/fleet/nodes") + " node(s); " + figure(r, "/inputs/price_ticks") + " price ticks, " +
          figure(r, "/inputs/interruption_notices") + " interruption notice(s), " + figure(r, "/inputs/bad_lines") +
          " bad input line(s). Source: " + figure(r, "/inputs/source") + ".</p>\n";
  page += headline(r);
  page += "<h2>Policies</h2>\n" + policies_table(r);
  page += "<h2>Decisions</h2>\n" + decisions_table(r);
  page += "<h2>Charts</h2>\n";
  if (!charts_missing.empty()) {
    page += "<p class=\"note\">" + html(charts_missing) + "</p>\n";
  } else {
    for (const auto& f : backtest_chart_files()) page += "<img src=\"" + f + "\" alt=\"" + f + "\">\n";
  }
  page += "<h2>Risk model quality over the period</h2>\n" + quality_table(r);
  page += "<p>Figures: <a href=\"report.json\">report.json</a>; every decision: <a href=\"decisions.csv\">"
          "decisions.csv</a>. Generated " + figure(r, "/generated_at") + ".</p>\n</body></html>\n";
  std::ofstream out(std::filesystem::path(dir) / "index.html", std::ios::binary | std::ios::trunc);
  if (!out || !(out << page)) throw std::runtime_error(dir + "/index.html: cannot write");
}

}  // namespace spotstream::cli
