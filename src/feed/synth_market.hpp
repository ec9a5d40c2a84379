#pragma once
//! A seeded, reproducible synthetic spot market: price ticks for every pool, AWS interruption
//! signals and fleet join/leave events, generated in event-time order without Kafka.
//!
//! What it models (see src/feed/README.md for the numbers):
//! - spot prices at a 30-65% discount under the on-demand table, moving in small steps toward a
//!   target that rises in each region's local business hours; some pools stay flat for days;
//! - hardware contagion: a stress episode in (AZ, family) spikes the largest size first and spreads
//!   down the sizes over the next hours, so a large size's spike predicts a small size's spike;
//!   a few spikes are idiosyncratic to one pool (noise the risk model must see through);
//! - fleet nodes join in node groups (one type, one AZ or spread over the region's AZs) over the
//!   first hours, some leave; a pool that spikes often loses capacity: most of the fleet's instances
//!   there get an interruption notice (action_time = ts + 2 min) within three minutes of each other,
//!   a few straggle in up to an hour later, and sometimes the whole family in the AZ is reclaimed at
//!   once; many get a rebalance recommendation first; the interrupted leave after the action time
//!   and are usually replaced in another AZ of the same region.
//! The same options give the same events, byte for byte, on every platform: the PRNG is a
//! hand-written xoshiro256** and no libm transcendental function touches a value.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

//! Knobs of the synthetic market. The defaults give 210 pools (2 regions x 3 AZs x 35 types)
//! over 8 days of 5-minute ticks with 60 nodes.
struct SynthOptions {
  std::uint64_t seed = 42;
  TimestampMs start = 1735689600000;  //!< 2025-01-01T00:00:00Z (a Wednesday)
  int days = 8;
  int tick_minutes = 5;
  std::vector<std::string> regions = {"us-east-1", "eu-west-1"};  //!< must be in the price table
  int azs_per_region = 3;                                         //!< AZs a, b, c, ... (1..6)
  std::vector<std::string> families = {"c5", "m5", "r5", "m6g", "p3"};  //!< from the table
  std::string product = "Linux/UNIX";
  std::string fleet = "default";
  int nodes = 60;                 //!< initial fleet size; they join over the first join_hours
  double join_hours = 6;
  int node_group_max = 8;            //!< nodes join in groups of 1..this many, of one type
  double node_group_one_az = 0.4;    //!< share of groups in one AZ (the rest spread over all)
  double scale_down_fraction = 0.2;  //!< share of initial nodes that leave later on their own
  double replace_probability = 0.8;  //!< an interrupted node is replaced by a new one
  //! Mean rate of contagion episodes per (AZ, family) per day; higher in business hours.
  double spike_rate_per_family_day = 0.3;
  //! Each step down the sizes continues the episode with this probability.
  double spread_probability = 0.75;
  //! Rate of spikes confined to one pool, per pool per day.
  double idiosyncratic_spike_rate_per_pool_day = 0.02;
  //! A spike reclaims capacity in its pool with this probability, 1-20 min after it starts.
  double reclaim_probability = 0.6;
  //! Share of the fleet's instances in a reclaimed pool that get an interruption notice.
  double reclaim_share = 0.5;
  //! Notices that straggle in 5-60 min after the reclaim; the rest come within 3 minutes of it.
  double straggler_share = 0.05;
  //! A reclaim takes the whole family in the AZ (every size) with this probability.
  double family_wide_probability = 0.2;
  double flat_pool_fraction = 0.35;  //!< pools that barely move outside spikes
};

//! One spot pool of the synthetic market, with the hardware of its type.
struct SynthPool {
  std::string region;
  std::string az;
  std::string family;
  std::string instance_type;
  std::string product;
  int size_rank = 0;  //!< 0 = smallest size of the family in this market
  double on_demand_price = 0;
  double vcpu = 0;
  double memory_gib = 0;
  std::string arch;

  std::string pool_id() const { return PoolId::text(az, instance_type, product); }
};

//! Per-type counts of one generate() run.
struct SynthCounts {
  std::uint64_t ticks = 0;
  std::uint64_t rebalances = 0;
  std::uint64_t interruptions = 0;
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  std::uint64_t total() const { return ticks + rebalances + interruptions + joins + leaves; }
};

class SynthMarket {
 public:
  //! Throws std::invalid_argument for unknown regions/families or out-of-range knobs.
  explicit SynthMarket(SynthOptions options);

  //! Calls sink(event) for every event in event-time order. At equal timestamps the ticks of a
  //! time step come first (in pools() order), then signals and fleet events in the order they
  //! were scheduled. Events after end() are not emitted. Memory stays O(pools + nodes): the run
  //! walks the time steps and never holds more than the pending signals and fleet events.
  //! Returns the counts. const and repeatable: every call yields the same sequence.
  SynthCounts generate(const std::function<void(const Event&)>& sink) const;

  const SynthOptions& options() const { return options_; }
  //! Pools in emission order: region, AZ, family, size ascending.
  const std::vector<SynthPool>& pools() const { return pools_; }
  //! Families in this market, as configured.
  const std::vector<std::string>& families() const { return options_.families; }
  //! AZ names in order: us-east-1a, us-east-1b, ...
  const std::vector<std::string>& azs() const { return azs_; }
  //! Number of time steps; every pool ticks once per step.
  std::int64_t steps() const;
  std::int64_t tick_ms() const { return std::int64_t{options_.tick_minutes} * 60'000; }
  //! Exclusive end of the generated period: start + days.
  TimestampMs end() const;

 private:
  SynthOptions options_;
  std::vector<SynthPool> pools_;
  std::vector<std::string> azs_;
};

//! A short human-readable description (pools, period, expected ticks, nodes) for the CLI.
std::string synth_summary(const SynthOptions& options);

}  // namespace spotstream
