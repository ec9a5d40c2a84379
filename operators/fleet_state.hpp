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
};

struct FleetState {
  std::unordered_map<std::string, FleetNode> nodes;           //!< by instance id
  std::unordered_map<std::string, std::vector<Signal>> parked;  //!< by instance id
  std::deque<std::pair<TimestampMs, std::string>> parked_order;  //!< (notice time, instance) for expiry
  std::size_t parked_count = 0;
  //! The fleet input's watermark: every join at or before it has been seen. A parked signal
  //! expires only once this passes its time + park_ms, however the topics interleave.
  TimestampMs fleet_watermark = std::numeric_limits<TimestampMs>::min();
};

}  // namespace spotstream
