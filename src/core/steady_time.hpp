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

}  // namespace spotstream
