#pragma once
//! What `spotstream backtest` writes to its --out directory: report.json (the figures, documented
//! in docs/backtest.md) and decisions.csv (every decision the replay made for the simulated fleet),
//! and the summary it prints. The same inputs and configuration give the same report.json byte for
//! byte apart from `generated_at`, whatever the shard count.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "src/codec/price_file.hpp"
#include "topology/backtest.hpp"

namespace spotstream::cli {

//! What the command knows beyond the result: where the inputs came from and what did not decode.
struct BacktestSource {
  std::string description;    //!< "files: a.json, b.json", "synthetic market (seed 42, 30 days)", ...
  std::vector<BadLine> bad;   //!< input lines that did not decode
};

nlohmann::ordered_json backtest_report(const BacktestResult& r, const BacktestSource& source);
//! report.json and decisions.csv in `dir` (created when missing). Throws std::runtime_error naming
//! the file it cannot write.
void write_backtest_files(const std::string& dir, const nlohmann::ordered_json& report, const BacktestResult& r);
//! A few lines for a terminal: period, fleet, and every policy's cost against spotstream's.
std::string backtest_summary(const nlohmann::ordered_json& report);

}  // namespace spotstream::cli
