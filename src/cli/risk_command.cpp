// `spotstream risk --input FILE...` (or `--synth`): the live topology's price path over a price
// history, replayed in process (no broker), writing the spot.risk records as JSON lines (sorted by
// pool, then event time) to stdout or --output. So a user sees exactly what the processor computes.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "src/cli/commands.hpp"
#include "src/cli/replay_report.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/codec/price_file.hpp"
#include "src/feed/synth_market.hpp"
#include "src/runtime/stop_signal.hpp"
#include "topology/live_topology.hpp"
#include "topology/replay.hpp"

namespace spotstream::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The price ticks to replay, in event-time order: the files' (bad lines into `bad`), or the
// synthetic market's.
std::vector<Event> price_events(const RiskOptions& opts, std::vector<BadLine>& bad) {
  std::vector<Event> events;
  if (opts.synth) {
    SynthOptions o;
    o.seed = opts.seed;
    o.days = opts.days;
    SynthMarket(o).generate([&](const Event& e) {
      if (std::holds_alternative<PriceTick>(e)) events.push_back(e);
    });
    return events;
  }
  auto ticks = read_price_files(opts.inputs, &bad);  // sorted by timestamp; throws naming the file
  events.reserve(ticks.size());
  for (auto& t : ticks) events.emplace_back(std::move(t));
  return events;
}

}  // namespace

int risk_command(Config cfg, const RiskOptions& opts) {
  if (opts.inputs.empty() && !opts.synth) throw ConfigError("risk needs --input FILE... or --synth");
  const auto& stop = install_stop_handlers();
  const auto started = Clock::now();
  std::vector<BadLine> bad;
  auto events = price_events(opts, bad);
  const double read_s = seconds_since(started);
  report_bad_lines(bad, opts.dlq_file);
  if (opts.every_tick) cfg.set("risk.every_tick", "true");
  const auto n_ticks = events.size();

  RuntimeMetrics metrics;
  const auto run_start = Clock::now();
  ReplayResult result;
  {
    const ReplayProgress progress(metrics.events_processed, n_ticks);
    result = replay(cfg, std::move(events), metrics, stop, price_topology(replay_config(cfg)));
  }
  const double run_s = seconds_since(run_start);

  const auto write_start = Clock::now();
  const RecordCounts counts = write_records(result.outputs, OutputTopic::Risk, opts.output_file);
  const double write_s = seconds_since(write_start);
  write_dead_letters(result.outputs, opts.dlq_file, !bad.empty());

  spdlog::info("{} tick(s) in, {} spot.risk record(s), {} dead letter(s), {} bad line(s); {:.2f} s: read {:.2f} s, "
               "process {:.2f} s, write {:.2f} s ({:.0f} ticks/s)",
               n_ticks, counts.records, counts.dead_letters, bad.size(), seconds_since(started), read_s, run_s, write_s,
               n_ticks / std::max(seconds_since(started), 1e-9));
  if (stop.load()) return result.status;  // interrupted: it read less on purpose
  return check_replay_counts(result, metrics, n_ticks, counts, opts.every_tick);
}

}  // namespace spotstream::cli
