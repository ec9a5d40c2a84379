#pragma once
//! The backtest's pictures and page: gnuplot (Debian gnuplot-nox) draws PNG charts from data files
//! written next to them, and index.html shows the headline figures, the tables and the charts
//! together, readable offline. Every number on the page comes from report.json (elements marked
//! data-figure="<path in report.json>" carry them, so a test can compare the two).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "topology/backtest.hpp"

namespace spotstream::cli {

//! The charts index.html shows, by file name.
std::vector<std::string> backtest_chart_files();

//! Writes the charts' data files and gnuplot script into `dir` and runs gnuplot. Returns an empty
//! string on success, else why the charts are missing (gnuplot not installed, or its error).
std::string draw_backtest_charts(const std::string& dir, const nlohmann::ordered_json& report, const BacktestResult& r);

//! index.html in `dir`. `charts_missing`: draw_backtest_charts' answer, shown instead of the charts.
void write_backtest_page(const std::string& dir, const nlohmann::ordered_json& report, const std::string& charts_missing);

}  // namespace spotstream::cli
