// `spotstream risk --input FILE...` (or `--synth`, or `--topic --from --to`): the live topology's
// price path over a price history, replayed in process, writing the spot.risk records as JSON lines
// to stdout or --output as the shards make them, in event-time order (pools by name at each time).
// So a user sees exactly what the processor computes.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "src/cli/commands.hpp"
#include "src/cli/replay_report.hpp"
#include "src/runtime/stop_signal.hpp"
#include "topology/live_topology.hpp"
#include "topology/replay.hpp"

namespace spotstream::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int risk_command(Config cfg, const RiskOptions& opts) {
  const auto& stop = install_stop_handlers();
  const auto started = Clock::now();
  // From a topic, a window of history before --from first, so that windows are warm there.
  auto history = load_price_history(cfg, opts.history, true, cfg.get_int("window.length_ms"));
  const auto& bad = history.bad;
  const double read_s = seconds_since(started);
  report_bad_lines(bad, opts.dlq_file);
  if (opts.every_tick) cfg.set("risk.every_tick", "true");
  const auto n_ticks = history.ticks.size();

  ProcessMetrics metrics;
  const auto run_start = Clock::now();
  ReplayWriter writer(OutputTopic::Risk, opts.output_file, history.from, opts.dlq_file, !bad.empty());
  ReplayResult result;
  {
    const ReplayProgress progress(metrics.events_processed, n_ticks);
    result = replay(cfg, ReplayEvents(history.ticks), metrics, stop, [&writer](std::vector<Output>& o) { writer.write(o); },
                    price_topology(replay_config(cfg)));
  }
  const RecordCounts counts = writer.close();
  const double run_s = seconds_since(run_start);

  spdlog::info("{} tick(s) in, {} spot.risk record(s), {} dead letter(s), {} bad line(s); {:.2f} s: read {:.2f} s, "
               "process and write {:.2f} s ({:.0f} ticks/s)",
               n_ticks, counts.records, counts.dead_letters, bad.size(), seconds_since(started), read_s, run_s,
               n_ticks / std::max(seconds_since(started), 1e-9));
  if (counts.written != counts.records)
    spdlog::info("{} record(s) written; {} before --from (the windows' warm-up) left out", counts.written,
                 counts.records - counts.written);
  if (stop.load()) return result.status;  // interrupted: it read less on purpose
  return check_replay_counts(result, metrics, n_ticks, counts, opts.every_tick);
}

}  // namespace spotstream::cli
