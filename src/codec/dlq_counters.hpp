#pragma once
//! Dead letters per reason code (dlq_reason.hpp); unknown codes count under "other". Also the
//! budget of dead letters written with their bytes (limits.dlq_per_second): every thread that
//! writes dead letters takes from it, so a flood of bad input costs bounded bandwidth and memory.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "src/core/counter.hpp"

namespace spotstream {

class DlqCounters {
 public:
  static constexpr std::array<std::string_view, 15> kReasons = {
      "malformed_json", "missing_field",  "wrong_type", "bad_price",  "bad_timestamp",
      "unknown_az",     "bad_value",      "unknown_format", "missing_instance_id", "oversize",
      "late",           "ahead",          "pool_limit", "fleet_limit", "other"};
  void inc(std::string_view reason, std::uint64_t n = 1);
  std::uint64_t get(std::string_view reason) const;
  std::uint64_t total() const;

  //! Dead letters written with their bytes per second, at most (0: no limit). Set before use.
  void set_payload_rate(std::uint64_t per_second) { rate_ = per_second; }
  //! One dead letter is being written at `now_ms` (steady clock): how many of its bytes it keeps,
  //! `max_bytes` while this second's budget lasts, 0 past it (counted; the first logged, then at
  //! most once a minute). Any thread.
  std::size_t payload_allowance(std::size_t max_bytes, std::int64_t now_ms);
  //! Dead letters written without their bytes for want of budget.
  std::uint64_t payloads_dropped() const { return dropped_.get(); }

 private:
  std::array<Counter, kReasons.size()> counts_;
  std::uint64_t rate_ = 0;
  std::atomic<std::int64_t> second_{-1};
  std::atomic<std::uint64_t> in_second_{0};
  std::atomic<std::int64_t> logged_at_ms_{-1};
  Counter dropped_;
};

}  // namespace spotstream
