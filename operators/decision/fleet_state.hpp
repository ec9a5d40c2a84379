#pragma once
//! Per-shard state of the fleet: the nodes whose instances route to this shard, and signals that
//! arrived before their instance joined (the signals and fleet topics are consumed independently,
//! so a notice can overtake its node's join). Owned by one shard thread; operators mutate it.
#include <deque>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "operators/decision/pool_notices.hpp"
#include "src/core/event.hpp"

namespace spotstream {

//! The risk-driven decision in force for a node (decision layer 4; see switch_policy.hpp).
struct ModelState {
  DecisionKind kind = DecisionKind::Stay;
  std::string target;  //!< pool id or "on-demand" while kind is SWITCH
  TimestampMs changed_at = std::numeric_limits<TimestampMs>::min();  //!< event time of the last change
  std::string plan;  //!< the consolidation plan the SWITCH belongs to; empty: none
};

struct FleetNode {
  FleetEvent joined;                      //!< the join event: pool, requirements, fleet
  DecisionKind last = DecisionKind::Stay;  //!< last decision emitted for this node
  //! Event time of the node's leave; 0 while it is in the fleet. A departed node is kept until
  //! every signal stamped before its leave has been seen, so a notice read after the leave (the
  //! topics are consumed independently) still reaches it, as it would in event-time order.
  TimestampMs left_at = 0;
  //! The join was read during a restart's replay. A signal's decision was delivered before the
  //! restart only if the signal and the join both were: either one live means it never was.
  bool joined_in_replay = false;
  //! Event time of the earliest AWS signal applied to the node; 0 when none. From then on signals
  //! rule: risk-driven evaluations at or after it leave the node alone.
  TimestampMs signal_at = 0;
  ModelState model;  //!< risk-driven decision in force
  //! Risk-driven evaluations of this node are done up to here (instants at or before are skipped).
  //! A node joined in replay starts at its last published decision (restored), a live one at min.
  TimestampMs decided_through = std::numeric_limits<TimestampMs>::min();
  //! Not caught up yet: a replayed join (whose state from spot.decisions has not been applied yet),
  //! or a live join older than instants already decided (FleetMembership).
  bool restore_pending = false;
  //! The fleet topic partition its events come from (-1: unknown): dropped when it is revoked.
  std::int32_t partition = -1;
};

//! Where a signal was read: its signals partition (dropped with it when revoked) and offset (-1:
//! unknown), and whether the run before this restart stopped before telling its siblings.
struct SignalPlace {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  bool siblings_owed = false;  //!< EventContext::owed
};

struct FleetState {
  std::unordered_map<std::string, FleetNode> nodes;           //!< by instance id
  struct Parked {
    Signal signal;
    bool replay;  //!< the signal was read during a restart's replay
    SignalPlace place;
  };
  std::unordered_map<std::string, std::vector<Parked>> parked;  //!< by instance id
  std::deque<std::pair<TimestampMs, std::string>> parked_order;  //!< (notice time, instance) for expiry
  std::size_t parked_count = 0;
  SignalPlace event_place;  //!< where the event being applied was read (set by its shard)
  std::deque<std::pair<TimestampMs, std::string>> departed;  //!< (leave time, instance), in order
  //! A node that left, whose latest decision is to be cleared from spot.decisions once every
  //! decision before its leave has been made (a replayed leave: only if spot.decisions still holds
  //! one for it, as read back on restore).
  struct Departure {
    TimestampMs left;
    std::string instance_id, node_id;
    bool replay;
  };
  std::deque<Departure> clear_due;  //!< in leave order
  //! The signals input's watermark: every signal at or before it has been seen.
  TimestampMs signals_watermark = std::numeric_limits<TimestampMs>::min();
  //! The fleet input's watermark: every join at or before it has been seen. A parked signal
  //! expires only once this passes its time + park_ms, however the topics interleave.
  TimestampMs fleet_watermark = std::numeric_limits<TimestampMs>::min();
  //! Risk-driven decisions have been evaluated up to here; a departed node is kept until this passes
  //! its leave (so evaluations before the leave still see it). max(): no risk-driven decisions here.
  TimestampMs decided_through = std::numeric_limits<TimestampMs>::max();
  //! Risk-driven decisions in force before a restart or a takeover, by instance id (from
  //! spot.decisions), applied to nodes whose join was replayed, before they are evaluated.
  std::unordered_map<std::string, ModelState> restored;
  //! Some node has restore_pending set.
  bool restore_pending = false;
  //! Instants evaluated in the last DecisionSettings::catch_up_ms (ascending): a node taken over
  //! behind them is re-evaluated at those after its own decided_through.
  std::deque<TimestampMs> recent_instants;
  //! The AWS signals of this state's nodes, by pool (sibling reaction, target cool-down).
  PoolNotices notices;
  //! A signal whose siblings are told once the fleet and signals inputs have progressed past it.
  struct SiblingTrigger {
    Signal signal;
    FleetEvent noticed;  //!< the noticed node's join (the node itself may have left and gone since)
    //! The signal was read during a restart's replay, and the siblings were told before it.
    bool replay;
    SignalPlace place;
  };
  std::deque<SiblingTrigger> sibling_due;  //!< in (time, instance) order
  //! Per signals partition, the latest offset of a notice whose siblings have been told (before a
  //! restart included): a stop may leave only later ones owed (SiblingReaction::settle).
  std::unordered_map<std::int32_t, std::int64_t> siblings_told_offset;
};

}  // namespace spotstream
