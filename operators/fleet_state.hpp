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

#include "src/core/event.hpp"

namespace spotstream {

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
};

struct FleetState {
  std::unordered_map<std::string, FleetNode> nodes;           //!< by instance id
  struct Parked {
    Signal signal;
    bool replay;  //!< the signal was read during a restart's replay
  };
  std::unordered_map<std::string, std::vector<Parked>> parked;  //!< by instance id
  std::deque<std::pair<TimestampMs, std::string>> parked_order;  //!< (notice time, instance) for expiry
  std::size_t parked_count = 0;
  std::deque<std::pair<TimestampMs, std::string>> departed;  //!< (leave time, instance), in order
  //! The signals input's watermark: every signal at or before it has been seen.
  TimestampMs signals_watermark = std::numeric_limits<TimestampMs>::min();
  //! The fleet input's watermark: every join at or before it has been seen. A parked signal
  //! expires only once this passes its time + park_ms, however the topics interleave.
  TimestampMs fleet_watermark = std::numeric_limits<TimestampMs>::min();
};

}  // namespace spotstream
