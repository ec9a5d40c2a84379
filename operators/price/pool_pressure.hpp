#pragma once
//! Interruption pressure (docs/design.md "Features"): the AWS signals of the fleet's instances,
//! placed in the pools their fleet events put them in, counted per pool and per family in the AZ
//! over three event-time windows. A price shard keeps one for the families it owns; every shard
//! hears every signal and fleet event, and counts only those of its own families when it scores.
//!
//! A tick at `at` counts the signals stamped in (at - window, at): strictly before the tick, so a
//! replay in event-time order gives the same counts whatever the shard count or batch sizes (a
//! signal stamped as the tick was may be routed after it). Live, a signal counts from when it is
//! read: one that reaches Kafka after a later tick of its pool was scored misses that tick.
//! Owned by its shard thread.
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/config/config.hpp"
#include "src/core/event.hpp"
#include "src/core/risk.hpp"

namespace spotstream {

struct PressureSettings {
  std::int64_t windows_ms[kPressureWindows] = {600'000, 3'600'000, 86'400'000};  //!< short, medium, long
  std::size_t park_max = 100'000;  //!< signals waiting for their instance's join, at most
  //! From risk.pressure_*_ms and signals.park_max; refuses windows out of order.
  static PressureSettings from(const Config& cfg);
};

class PoolPressure {
 public:
  explicit PoolPressure(PressureSettings s = {}) : s_(s) {}

  //! A signal counts in the pool of the instance's stint in force at the signal's time: its latest
  //! join at or before it, unless a leave came between (a signal at or after a leave counts
  //! nowhere). A signal stamped before its instance's first join is placed by that join and counts
  //! from the join's time. All in event time: whichever order signals and fleet events are read in.
  void on_fleet(const FleetEvent& e);
  void on_signal(const Signal& s);
  //! The pressure on `tick`'s pool at `at` (the pool's present).
  void fill(const PriceTick& tick, TimestampMs at, InterruptionPressure& out) const;
  //! Forgets signals stamped before `t` and fleet history no signal from `t` on can need.
  void forget_before(TimestampMs t);
  //! No signal placed: every pool's pressure is zero (the common case, checked per tick).
  bool empty() const { return by_family_.empty(); }
  //! Signals of instances no fleet event has placed yet.
  std::size_t parked() const { return parked_; }
  const PressureSettings& settings() const { return s_; }

 private:
  struct Placement {
    std::string az, family, instance_type, product;
  };
  struct Stint {
    TimestampMs from;
    bool joined;  //!< a join (else a leave)
    Placement where;
  };
  struct Instance {
    std::vector<Stint> history;    //!< in time order
    std::vector<Signal> signals;   //!< every signal kept, placed or not
    std::vector<std::uint64_t> families;  //!< where its placed signals are listed
  };
  struct Seen {
    TimestampMs ts;
    TimestampMs placed_from;  //!< the later of the signal and the join that placed it: counts after it
    SignalKind kind;
    const std::string* instance;  //!< the key in instances_ (node-based: stable)
    const Placement* where;       //!< in that instance's history, valid until it changes (then re-placed)
  };
  //! Takes the instance's signals out of every list and places them again by its history.
  void replace(const std::string& id, Instance& inst);

  PressureSettings s_;
  std::unordered_map<std::string, Instance> instances_;
  std::unordered_map<std::uint64_t, std::vector<Seen>> by_family_;  //!< family_key_hash -> in ts order
  std::size_t parked_ = 0;
};

}  // namespace spotstream
