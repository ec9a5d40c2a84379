#pragma once
//! Whether the process should receive traffic (GET /ready, a Kubernetes readiness probe): the run
//! has started, partitions are assigned, no history is still being re-read (warm-up done), no
//! partition lags beyond a bound, no price feed has stalled, and the sinks are healthy (PostgreSQL
//! reachable). A process that
//! is not ready is still alive (GET /health): it is catching up or waiting for a dependency.
//! Any thread: reads only atomics and RuntimeMetrics' locked tables.
#include <cstdint>
#include <string>
#include <vector>

#include "src/config/config.hpp"
#include "src/runtime/runtime_metrics.hpp"

namespace spotstream {

struct Readiness {
  bool ready = false;
  std::vector<std::string> reasons;  //!< why not, for people (empty when ready)
  std::string json() const;          //!< {"ready":..,"reasons":[..],"checks":{..}}
  std::string checks;                //!< JSON object: what each check saw
};

struct ReadinessBounds {
  std::int64_t max_lag = 100000;  //!< ready.max_lag: most messages behind on any partition (0: not checked)
  static ReadinessBounds from(const Config& cfg);
};

Readiness readiness(const RuntimeMetrics& metrics, const ReadinessBounds& bounds);

}  // namespace spotstream
