// `spotstream backtest`: a past range (price files with optional signal and fleet files, the
// synthetic market, or a range of the topics) replayed in process through the live topology with a
// simulated fleet, that fleet and every baseline billed as EC2 bills, and the report written to
// --out (report.json, decisions.csv).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "src/cli/backtest_charts.hpp"
#include "src/cli/backtest_report.hpp"
#include "src/cli/commands.hpp"
#include "src/cli/market_inputs.hpp"
#include "src/cli/replay_report.hpp"
#include "src/codec/event_decoder.hpp"
#include "src/core/time.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "src/runtime/stop_signal.hpp"

namespace spotstream::cli {

namespace {

BacktestOptions backtest_options(const BacktestCommandOptions& o) {
  BacktestOptions b;
  b.fleet.nodes = o.nodes;
  b.fleet.instance_type = o.instance_type;
  b.fleet.region = o.region;
  b.fleet.product = o.product;
  b.fleet.vcpu = o.vcpu;
  b.fleet.memory_gib = o.memory_gib;
  b.fleet.pools = o.pools;
  b.sim.migration_ms = static_cast<TimestampMs>(o.migration_minutes * 60'000);
  b.sim.downtime_ms = static_cast<TimestampMs>(o.downtime_minutes * 60'000);
  b.sim.restart_cost_usd = o.restart_cost_usd;
  b.warmup_ms = static_cast<TimestampMs>(o.warmup_hours * 3'600'000);
  if (!o.history.from.empty()) b.from = parse_time_option(o.history.from, "--from");
  if (!o.history.to.empty()) b.to = parse_time_option(o.history.to, "--to");
  return b;
}

}  // namespace

int backtest_command(const Config& cfg, const BacktestCommandOptions& o) {
  const int sources = (!o.history.inputs.empty()) + o.history.synth + o.history.topic;
  if (sources != 1) throw ConfigError("give exactly one price history: --input FILE..., --synth or --topic");
  if ((!o.signal_files.empty() || !o.fleet_files.empty()) && o.history.inputs.empty())
    throw ConfigError("--signals and --fleet go with --input (the synthetic market and the topics bring their own)");
  const auto& stop = install_stop_handlers();
  const auto started = std::chrono::steady_clock::now();
  BacktestSource source;
  auto inputs = load_market(cfg, o.history, o.signal_files, o.fleet_files, source);
  report_bad_lines(source.bad, o.dlq_file);
  const auto options = backtest_options(o);
  const std::uint64_t events = inputs.ticks.size();
  ProcessMetrics metrics;
  BacktestResult result;
  try {
    std::atomic<TimestampMs> reached{0};
    const ReplayProgress progress(metrics.events_processed, events, &reached);
    result = run_backtest(cfg, std::move(inputs), options, metrics, stop, &reached);
  } catch (const BacktestError& e) {
    std::fprintf(stderr, "spotstream: backtest: %s\n", e.what());
    return 2;
  }
  if (stop.load()) {
    spdlog::warn("backtest interrupted: no report written");
    return result.replay.status != 0 ? result.replay.status : 130;
  }
  if (result.replay.status != 0) return result.replay.status;
  if (metrics.events_processed.get() != result.replay.events) {
    spdlog::error("{} event(s) given to the replay, {} processed: the report would not cover them",
                  result.replay.events, metrics.events_processed.get());
    return Pipeline::kExitDataLost;
  }
  const auto report_start = std::chrono::steady_clock::now();
  const auto report = backtest_report(result, source);
  write_backtest_files(o.out_dir, report, result);
  const auto charts_missing = draw_backtest_charts(o.out_dir, report, result);
  if (!charts_missing.empty()) spdlog::warn("backtest: {}", charts_missing);
  write_backtest_page(o.out_dir, report, charts_missing);
  spdlog::info("backtest: report, charts and page in {:.2f} s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - report_start).count());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fputs(backtest_summary(report).c_str(), stdout);
  std::printf("report: %s/index.html (figures: report.json, decisions: decisions.csv); %llu ticks in %.2f s, "
              "%.0f ticks/s\n", o.out_dir.c_str(), static_cast<unsigned long long>(result.ticks), s,
              result.ticks / std::max(s, 1e-9));
  return 0;
}

}  // namespace spotstream::cli
