#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "src/cli/commands.hpp"
#include "src/codec/price_file.hpp"
#include "src/core/time.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"

namespace spotstream::cli {

namespace {

void require_brokers(const Config& cfg) {
  if (!cfg.has_brokers())
    throw ConfigError("feed needs a Kafka cluster: pass --brokers HOST:PORT (the address `spotstream run` prints)");
}

PriceFormat price_format_of(const std::string& s, PriceFormat fallback) {
  if (s.empty()) return fallback;
  if (s == "canonical") return PriceFormat::Canonical;
  if (s == "aws") return PriceFormat::AwsItem;
  throw ConfigError("--price-format must be canonical or aws, not '" + s + "'");
}

}  // namespace

SynthOptions synth_options(const FeedOptions& opts) {
  SynthOptions o;
  o.seed = opts.seed;
  o.days = opts.days;
  o.nodes = opts.nodes;
  if (!opts.start.empty()) {
    const auto t = parse_iso8601(opts.start);
    if (!t) throw ConfigError("--start must be an ISO-8601 time such as 2025-01-01T00:00:00Z");
    o.start = *t;
  }
  return o;
}

int feed_synth_command(const Config& cfg, const FeedOptions& opts) {
  require_brokers(cfg);
  const SynthMarket market(synth_options(opts));
  spdlog::info("synthetic market: {}", synth_summary(market.options()));
  EventPublisher pub(cfg, price_format_of(opts.price_format, PriceFormat::Canonical));
  const auto counts = market.generate([&](const Event& e) { pub.publish(e); });
  pub.flush();
  std::printf("published %s\n", describe(counts).c_str());
  return 0;
}

std::string describe(const SynthCounts& c) {
  return fmt::format("{} events ({} price ticks, {} rebalance recommendations, {} interruption notices, {} joins, "
                     "{} leaves)", c.total(), c.ticks, c.rebalances, c.interruptions, c.joins, c.leaves);
}

int feed_file_command(const Config& cfg, const FeedOptions& opts) {
  require_brokers(cfg);
  if (opts.files.empty()) throw ConfigError("feed file needs at least one PATH");
  const auto ticks = read_price_files(opts.files);  // sorted by timestamp
  EventPublisher pub(cfg, price_format_of(opts.price_format, PriceFormat::AwsItem));
  for (const auto& t : ticks) pub.publish(Event{t});
  pub.flush();
  std::printf("published %zu price ticks from %zu file(s)", ticks.size(), opts.files.size());
  if (!ticks.empty())
    std::printf(", %s .. %s", format_iso8601(ticks.front().ts).c_str(), format_iso8601(ticks.back().ts).c_str());
  std::printf("\n");
  return 0;
}

}  // namespace spotstream::cli
