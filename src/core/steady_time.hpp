#pragma once
//! The monotonic clock as plain integers, for latencies and wall-time waits (never event time).
#include <chrono>
#include <cstdint>

namespace spotstream {

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline std::int64_t steady_ms() { return steady_ns() / 1000000; }
//! The wall clock in ms since the epoch: when something arrived (a message's timestamp), never a duration.
inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace spotstream
