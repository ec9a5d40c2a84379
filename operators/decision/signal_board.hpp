#pragma once
//! The AWS signals in force per instance, for readers outside the decision shard (the REST API).
//! Written by the decision shard when it emits a signal's decision; thread-safe, small.
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "src/core/event.hpp"

namespace spotstream {

class SignalBoard {
 public:
  struct Entry {
    DecisionKind kind = DecisionKind::Drain;  //!< DRAIN or EVACUATE (SWITCH: a sibling's)
    std::string signal;                       //!< "rebalance-recommendation", "interruption-notice:terminate"
    std::string reason;
    TimestampMs ts = 0;
    std::string why = "signal";               //!< or "sibling": another node's signal
    std::string target;                       //!< the replacement named when the signal was processed
  };
  void set(const std::string& instance_id, Entry e) {
    std::lock_guard lock(mu_);
    entries_[instance_id] = std::move(e);
  }
  void erase(const std::string& instance_id) {
    std::lock_guard lock(mu_);
    entries_.erase(instance_id);
  }
  std::optional<Entry> get(const std::string& instance_id) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(instance_id);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace spotstream
