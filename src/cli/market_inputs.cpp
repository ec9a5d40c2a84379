#include "src/cli/market_inputs.hpp"

#include <fmt/format.h>

#include "src/cli/commands.hpp"
#include "src/cli/replay_report.hpp"
#include "src/codec/event_decoder.hpp"
#include "src/codec/price_file.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/topic_reader.hpp"

namespace spotstream::cli {

namespace {

void take(std::vector<Event>& events, BacktestInputs& in) {
  for (auto& e : events) {
    if (auto* t = std::get_if<PriceTick>(&e)) in.ticks.push_back(std::move(*t));
    else if (auto* s = std::get_if<Signal>(&e)) in.signals.push_back(std::move(*s));
    else in.fleet.push_back(std::move(std::get<FleetEvent>(e)));
  }
  events.clear();
}

//! Signals and fleet events of a topic, bad messages counted as bad lines.
void read_events_topic(const Config& cfg, const char* property, InputKind kind, BacktestInputs& in,
                       std::vector<BadLine>& bad) {
  const auto& topic = cfg.get_string(property);
  EventDecoder decoder(DecodeLimits{static_cast<std::size_t>(cfg.get_int("decode.max_message_bytes")),
                                    cfg.get_double("decode.max_price")});
  std::vector<Event> events;
  for (const auto& r : read_topic(cfg, topic)) {
    DecodeError err;
    if (!decoder.decode(kind, r.key, r.value, events, err)) {
      bad.push_back(BadLine{topic + "[" + std::to_string(r.partition) + "]", static_cast<std::size_t>(r.offset), err, r.value});
      continue;
    }
    take(events, in);
  }
}

}  // namespace

BacktestInputs load_market(const Config& cfg, const PriceHistoryOptions& h, const std::vector<std::string>& signal_files,
                           const std::vector<std::string>& fleet_files, BacktestSource& source) {
  BacktestInputs in;
  if (h.synth) {
    SynthOptions s;
    s.seed = h.seed;
    s.days = h.days;
    const SynthMarket market(s);
    source.description = synth_summary(s);
    std::vector<Event> events;
    market.generate([&](const Event& e) {
      events.push_back(e);
      if (events.size() >= 4096) take(events, in);
    });
    take(events, in);
  } else if (h.topic) {
    PriceHistoryOptions prices = h;
    auto history = load_price_history(cfg, prices, true, cfg.get_int("window.length_ms"));
    in.ticks = std::move(history.ticks);
    source.bad = std::move(history.bad);
    read_events_topic(cfg, "topics.signals", InputKind::Signals, in, source.bad);
    read_events_topic(cfg, "topics.fleet", InputKind::Fleet, in, source.bad);
    source.description = "topics on " + cfg.kafka_properties()["bootstrap.servers"];
  } else {
    in.ticks = read_price_files(h.inputs, &source.bad);
    std::vector<Event> events;
    for (const auto& f : signal_files) {
      events = read_event_file(f, InputKind::Signals, &source.bad);
      take(events, in);
    }
    for (const auto& f : fleet_files) {
      events = read_event_file(f, InputKind::Fleet, &source.bad);
      take(events, in);
    }
    source.description = fmt::format("{} price file(s), {} signal file(s), {} fleet file(s)", h.inputs.size(),
                                      signal_files.size(), fleet_files.size());
  }
  sort_ticks(in.ticks);
  return in;
}

}  // namespace spotstream::cli
