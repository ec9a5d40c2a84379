#pragma once
// A market to replay: price ticks with the signals and fleet events that go with them, from
// files (--input, --signals, --fleet), the synthetic market (--synth) or a range of the topics
// (--topic). What `backtest` replays and what `train --label notice` labels with.
#include <string>
#include <vector>

#include "src/cli/backtest_report.hpp"
#include "src/cli/price_history.hpp"
#include "topology/backtest.hpp"

namespace spotstream::cli {

//! Lines that do not decode go to `source.bad`; `source.description` says where the market came from.
BacktestInputs load_market(const Config& cfg, const PriceHistoryOptions& history, const std::vector<std::string>& signal_files,
                           const std::vector<std::string>& fleet_files, BacktestSource& source);

}  // namespace spotstream::cli
