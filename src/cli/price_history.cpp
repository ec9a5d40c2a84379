#include "src/cli/price_history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "src/codec/event_decoder.hpp"
#include "src/core/time.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/topic_reader.hpp"

namespace spotstream::cli {

namespace {

PriceHistory topic_history(const Config& cfg, const PriceHistoryOptions& o, TimestampMs lookback_ms) {
  PriceHistory h;
  if (!o.from.empty()) h.from = parse_time_option(o.from, "--from");
  const TimestampMs to = o.to.empty() ? std::numeric_limits<TimestampMs>::max() : parse_time_option(o.to, "--to");
  const TimestampMs read_from = h.from == std::numeric_limits<TimestampMs>::min() ? h.from : h.from - lookback_ms;
  const auto& topic = cfg.get_string("topics.prices");
  EventDecoder decoder(DecodeLimits{static_cast<std::size_t>(cfg.get_int("decode.max_message_bytes")),
                                    cfg.get_double("decode.max_price")});
  std::vector<Event> events;
  for (const auto& r : read_topic(cfg, topic)) {
    events.clear();
    DecodeError err;
    if (!decoder.decode(InputKind::Prices, r.key, r.value, events, err)) {
      h.bad.push_back(BadLine{topic + "[" + std::to_string(r.partition) + "]", static_cast<std::size_t>(r.offset), err, r.value});
      continue;
    }
    for (auto& e : events)
      if (auto* t = std::get_if<PriceTick>(&e); t && t->ts >= read_from && t->ts < to) h.ticks.push_back(std::move(*t));
  }
  // Each partition is in time order; across partitions they are merged here, as files are.
  sort_ticks(h.ticks);
  return h;
}

}  // namespace

TimestampMs parse_time_option(const std::string& s, const char* option) {
  const auto t = parse_iso8601(s);
  if (!t) throw ConfigError(std::string(option) + ": not an ISO-8601 time: " + s);
  return *t;
}

PriceHistory load_price_history(const Config& cfg, const PriceHistoryOptions& o, bool keep_bad_lines,
                                TimestampMs lookback_ms) {
  const int sources = (!o.inputs.empty()) + o.synth + o.topic;
  if (sources != 1) throw ConfigError("give exactly one price history: --input FILE..., --synth or --topic");
  if (!o.topic && (!o.from.empty() || !o.to.empty())) throw ConfigError("--from and --to go with --topic");
  if (o.topic) return topic_history(cfg, o, lookback_ms);
  PriceHistory h;
  if (!o.inputs.empty()) {
    h.ticks = read_price_files(o.inputs, keep_bad_lines ? &h.bad : nullptr);
    return h;
  }
  SynthOptions s;
  s.seed = o.seed;
  s.days = o.days;
  s.nodes = 0;
  SynthMarket(s).generate([&](const Event& e) {
    if (const auto* t = std::get_if<PriceTick>(&e)) h.ticks.push_back(*t);
  });
  return h;
}

}  // namespace spotstream::cli
