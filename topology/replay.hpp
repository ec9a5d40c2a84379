#pragma once
//! Replays events in process through the live topology: the same Pipeline, shards and operators
//! as a live run, fed from memory (MemorySource) instead of a consumer group and writing to memory
//! (MemorySink) instead of Kafka. Event time drives everything the operators do, so a replay
//! produces the records a live run over the same events produces, without a broker to hold (or
//! drop) them and at the speed of the shards. Outputs stream out as the shards make them, in
//! event-time order (OrderedSink), so a replay of any length runs in bounded memory.
//!   events (files, a synthetic market) -> partitions as the Kafka producer would choose them
//!     -> Pipeline (routing, watermarks, shards: PricePath, decisions) -> outputs, ordered -> caller
#include <atomic>
#include <optional>
#include <span>
#include <vector>

#include "src/config/config.hpp"
#include "src/core/event.hpp"
#include "src/runtime/ordered_sink.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/process_metrics.hpp"

namespace spotstream {

//! The configuration a replay runs with, from a live one: the risk table is built in process
//! (decisions.risk_source=local, no spot.risk to read back), the run ends once every event has
//! been processed, and what guards a live run against wall-clock effects is off: events are not
//! judged against this machine's clock or held for a grace period of wall time (a replay knows
//! when each input has been read to its end), and a partition's ticks may resume after any gap.
Config replay_config(Config cfg);

struct ReplayResult {
  int status = 0;                   //!< Pipeline::run's
  std::uint64_t events = 0;         //!< events handed to the pipeline
  std::uint64_t out_of_order = 0;   //!< outputs handed over after later ones (OrderedSink)
};

//! What a replay hands over: a market's price ticks, in time order (as sort_ticks leaves them) and
//! borrowed for the replay's length, so that a market of millions of ticks is not copied into
//! events first (or once per replay of it); and other events in any order (sorted here by event
//! time, stably), which come after the ticks of their time.
struct ReplayEvents {
  std::span<const PriceTick> ticks;
  std::vector<Event> others;

  ReplayEvents(std::span<const PriceTick> t, std::vector<Event> o = {}) : ticks(t), others(std::move(o)) {}
  //! Events of every kind, in any order (sorted by time, stably): a small market or a test's.
  ReplayEvents(std::vector<Event> events) : others(std::move(events)) {}  // NOLINT: implicit on purpose
};

//! Runs `events` through `plan` (the live topology by default) with `cfg` as replay_config() makes
//! it, handing every output to `on_outputs` (on a thread of its own) ordered by event time, key and
//! topic. Stops early when `stop` is set. Rethrows what `on_outputs` threw (the replay stops at
//! once); std::invalid_argument when the ticks are not in time order.
ReplayResult replay(const Config& cfg, ReplayEvents events, ProcessMetrics& metrics,
                    const std::atomic<bool>& stop, OrderedSink::Consumer on_outputs, std::optional<ShardPlan> plan = {});

}  // namespace spotstream
