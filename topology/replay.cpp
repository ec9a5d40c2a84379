#include "topology/replay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "src/kafka/kafka_producer.hpp"
#include "src/runtime/memory_source.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"

namespace spotstream {

namespace {

TimestampMs event_time(const Event& e) {
  return std::visit([](const auto& v) { return v.ts; }, e);
}

TimestampMs event_time(const PriceTick& t) { return t.ts; }

//! The order of hand-over: the ticks merged with the other events (sorted here by time, stably),
//! ticks first at equal times, each placed in its input, in the partition the Kafka producer would
//! give its key.
std::vector<MemorySource::Placement> place(ReplayEvents& events, const std::vector<EventSource::Input>& inputs,
                                           std::int32_t partitions) {
  const auto by_time = [](const auto& a, const auto& b) { return event_time(a) < event_time(b); };
  if (!std::is_sorted(events.ticks.begin(), events.ticks.end(), by_time))
    throw std::invalid_argument("replay: the price ticks are not in time order");
  auto& others = events.others;
  if (!std::is_sorted(others.begin(), others.end(), by_time)) std::stable_sort(others.begin(), others.end(), by_time);
  const auto input_of = [&](InputKind kind) {
    for (std::uint32_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].kind == kind) return i;
    return 0u;
  };
  const std::uint32_t prices = input_of(InputKind::Prices), signals = input_of(InputKind::Signals),
                      fleet = input_of(InputKind::Fleet);
  const auto place_event = [&](const Event& e) -> MemorySource::Placement {
    if (const auto* t = std::get_if<PriceTick>(&e)) return {prices, default_partition(t->routing_key(), partitions)};
    if (const auto* s = std::get_if<Signal>(&e)) return {signals, default_partition(s->instance_id, partitions)};
    return {fleet, default_partition(std::get<FleetEvent>(e).instance_id, partitions)};
  };
  std::vector<MemorySource::Placement> placements;
  placements.reserve(events.ticks.size() + others.size());
  std::size_t next_other = 0;
  for (const auto& t : events.ticks) {
    for (; next_other < others.size() && event_time(others[next_other]) < t.ts; ++next_other)
      placements.push_back(place_event(others[next_other]));
    placements.push_back({prices, default_partition(t.routing_key(), partitions), true});
  }
  for (; next_other < others.size(); ++next_other) placements.push_back(place_event(others[next_other]));
  return placements;
}

}  // namespace

Config replay_config(Config cfg) {
  cfg.set("decisions.risk_source", "local");
  cfg.set("decisions.input_grace_ms", "0");
  // Not bounded by the wall clock: a replay's signal decisions wait for the scores of their time.
  cfg.set("decisions.signal_scores_wait_ms", "3600000");
  cfg.set("window.max_ahead_of_clock_ms", "0");
  cfg.set("window.max_ahead_ms", "0");
  cfg.set("runtime.idle_exit_ms", "1");
  cfg.set("postgres.enabled", "false");
  cfg.set("delivery.guarantee", "at_least_once");
  return cfg;
}

ReplayResult replay(const Config& live_cfg, ReplayEvents events, ProcessMetrics& metrics,
                    const std::atomic<bool>& stop, OrderedSink::Consumer on_outputs, std::optional<ShardPlan> plan) {
  const Config cfg = replay_config(live_cfg);
  const auto inputs = kafka_inputs(cfg);
  const auto partitions = static_cast<std::int32_t>(cfg.get_int("topics.partitions"));
  ReplayResult result;
  result.events = events.ticks.size() + events.others.size();
  const auto t0 = std::chrono::steady_clock::now();
  auto placements = place(events, inputs, partitions);
  const auto t1 = std::chrono::steady_clock::now();
  OrderedSink* sink = nullptr;
  PipelineIo io;
  io.source = [&](EventSource::Listener& listener) -> std::unique_ptr<EventSource> {
    return std::make_unique<MemorySource>(inputs, std::vector<std::int32_t>(inputs.size(), partitions), events.ticks,
                                          std::move(events.others), std::move(placements), listener);
  };
  io.sink = [&](RuntimeMetrics& m, std::atomic<bool>& fatal) -> std::unique_ptr<OutputSink> {
    auto s = std::make_unique<OrderedSink>(std::move(on_outputs), m, fatal);
    sink = s.get();
    return s;
  };
  {
    Pipeline pipeline(cfg, plan ? std::move(*plan) : live_topology(cfg), metrics, std::move(io));
    result.status = pipeline.run(stop);
    result.out_of_order = sink->out_of_order();
    if (const auto error = sink->error()) std::rethrow_exception(error);
  }
  spdlog::debug("replay: {} events partitioned in {:.2f} s, processed in {:.2f} s", result.events,
                std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
  return result;
}

}  // namespace spotstream
