#pragma once
//! A counter and a gauge readable live from any thread (relaxed atomics). The metrics of each part
//! of the processor are structs of these next to the code they measure; topology/process_metrics
//! gathers them for a process, topology/metrics_exposition shows them to Prometheus.
#include <atomic>
#include <cstdint>

namespace spotstream {

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void inc(std::uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

//! A value that goes up and down (a state, a depth).
struct Gauge {
  std::atomic<std::int64_t> value{0};
  void set(std::int64_t v) { value.store(v, std::memory_order_relaxed); }
  void add(std::int64_t n) { value.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t get() const { return value.load(std::memory_order_relaxed); }
};

}  // namespace spotstream
