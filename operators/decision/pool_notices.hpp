#pragma once
//! The AWS signals seen for the fleet's instances, by pool, in event time: how many distinct
//! instances of a pool were noticed within a window (sibling reaction) and whether a pool had an
//! interruption notice recently (target cool-down). A signal's pool is the pool its node joined,
//! so only the nodes this process holds count. Owned by the decision shard's FleetState.
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

class PoolNotices {
 public:
  void record(const std::string& pool, SignalKind kind, TimestampMs ts, const std::string& instance);
  //! Distinct instances of `pool` with a signal of `kind` in [from, to].
  std::size_t instances(const std::string& pool, SignalKind kind, TimestampMs from, TimestampMs to) const;
  //! Some instance of `pool` had an interruption notice in (at - window, at].
  bool cooling(const std::string& pool, TimestampMs at, TimestampMs window) const;
  //! Forgets signals stamped before `t`.
  void forget_before(TimestampMs t);
  bool empty() const { return by_pool_.empty(); }

 private:
  struct Seen {
    TimestampMs ts;
    SignalKind kind;
    std::string instance;
  };
  std::span<const Seen> between(const std::string& pool, TimestampMs from, TimestampMs to) const;

  std::unordered_map<std::string, std::vector<Seen>> by_pool_;  //!< each in ts order
};

}  // namespace spotstream
