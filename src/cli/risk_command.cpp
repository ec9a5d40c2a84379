// `spotstream risk --input FILE...`: the live topology over files, through the embedded broker,
// printing the spot.risk records as JSON lines (sorted by pool, then event time) on stdout. So a
// user sees exactly what the processor computes from a price history.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "src/cli/commands.hpp"
#include "src/cli/embedded_setup.hpp"
#include "src/codec/price_file.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "src/runtime/stop_signal.hpp"
#include "topology/live_topology.hpp"

namespace spotstream::cli {

int risk_command(Config cfg, const RiskOptions& opts) {
  if (opts.inputs.empty()) throw ConfigError("risk needs at least one --input FILE");
  const auto ticks = read_price_files(opts.inputs);  // sorted by timestamp; throws naming the file
  if (opts.every_tick) cfg.set("risk.every_tick", "true");
  if (cfg.get_int("runtime.idle_exit_ms") == 0) cfg.set("runtime.idle_exit_ms", "500");
  auto cluster = start_embedded(cfg, "", stderr);  // stdout carries only the records
  {
    EventPublisher pub(cfg, PriceFormat::Canonical);
    for (const auto& t : ticks) pub.publish(Event{t});
    pub.flush();
  }
  RuntimeMetrics metrics;
  Pipeline pipeline(cfg, live_topology(cfg), metrics);
  const auto& stop = install_stop_handlers();
  const int rc = pipeline.run(stop);
  auto records = read_topic(cfg, cfg.get_string("topics.risk"));
  std::stable_sort(records.begin(), records.end(), [](const TopicRecord& a, const TopicRecord& b) {
    return a.key != b.key ? a.key < b.key : a.timestamp < b.timestamp;
  });
  for (const auto& r : records) std::printf("%s\n", r.value.c_str());
  std::fflush(stdout);
  spdlog::info("{} tick(s) in, {} spot.risk record(s), {} dead letter(s)", ticks.size(), records.size(),
               metrics.dlq.total());
  if (stop.load()) return rc;  // interrupted: it read less on purpose
  const int in_rc = check_round_trip("price ticks", ticks.size(), metrics.messages_in.get(), rc);
  return check_round_trip("spot.risk records", metrics.risk_records.get(), records.size(), in_rc);
}

}  // namespace spotstream::cli
