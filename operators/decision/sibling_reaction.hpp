#pragma once
//! Sibling reaction (decision layer 5, with the signal override): interruptions come in bursts
//! within a pool, so when an instance gets an interruption notice the fleet's other nodes in the
//! same pool get a decision, stamped with the notice's time: DRAIN (default) or SWITCH to the best
//! replacement, `why: sibling`, naming the interrupted instance. It fires once the pool has had
//! `min_notices` distinct instances noticed within `window_ms`; rebalance recommendations count only
//! with `on_rebalance`. A node that already had a signal at or before it (its own or a sibling's) is
//! left alone. Whether it had one depends on every signal up to then, which the signals partitions
//! deliver in any order: triggers wait until the fleet and signals inputs have progressed past them
//! (a grace when partitions are idle; see InputGrace) and are taken in event-time order, so the
//! decisions are the same on every run, replay and shard count.
//! Siblings are the nodes this process holds (the decision shard holds all of them). Stateless: the
//! state is the shard's FleetState.
#include <functional>
#include <map>

#include "operators/decision/decision_builder.hpp"
#include "operators/decision/fleet_state.hpp"
#include "src/config/config.hpp"

namespace spotstream {

struct SiblingSettings {
  enum class Mode { None, Drain, Switch };
  Mode mode = Mode::Drain;
  TimestampMs window_ms = 10 * 60 * 1000;
  std::size_t min_notices = 1;
  bool on_rebalance = false;

  //! From decisions.sibling_*; throws ConfigError on an unknown mode.
  static SiblingSettings from(const Config& cfg);
};

class SiblingReaction {
 public:
  //! Called with each trigger just before its siblings are told (their decisions go to the sink
  //! after it): the caller may tie those decisions to what read the notice.
  using Telling = std::function<void(const FleetState::SiblingTrigger&)>;

  explicit SiblingReaction(SiblingSettings s) : s_(s) {}
  //! After `s` was applied to `noticed` (and recorded in state.notices): its siblings are due.
  //! `replay`: its siblings were told before a restart, unless `place` says they are owed.
  void trigger(const Signal& s, bool replay, const SignalPlace& place, const FleetNode& noticed,
               FleetState& state) const;
  //! Tells the siblings of every trigger stamped at or before `through`, in event-time order.
  void release(FleetState& state, TimestampMs through, const DecisionSink& emit, const Telling& telling = {}) const;
  //! A run stopped before the inputs passed the triggers still due. Who is a sibling depends on
  //! fleet and signals events stamped before them that may not have been read yet: with
  //! `may_owe`, those the next run can tell in full are left due (owed: a notice read live here,
  //! on a partition still assigned, after every notice of its partition already told), to be
  //! recorded with the commit (owed_from) and told by the run that reads them again. The rest are
  //! told now, from what has been read.
  void settle(FleetState& state, bool may_owe, const DecisionSink& emit, const Telling& telling = {}) const;
  //! Per signals partition, the offset of the first notice whose siblings are owed (after settle).
  static std::map<std::int32_t, std::int64_t> owed_from(const FleetState& state);
  const SiblingSettings& settings() const { return s_; }

 private:
  void tell(const FleetState::SiblingTrigger& t, FleetState& state, const DecisionSink& emit) const;

  SiblingSettings s_;
};

}  // namespace spotstream
