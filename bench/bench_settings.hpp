#pragma once
// The benchmarks' configuration from the environment: `name` (BENCH_SET for the pipeline,
// PUBLISH_SET for a bench's own producer) holds assignments in --set's syntax, comma-separated,
// e.g. BENCH_SET=runtime.control_grace_ms=0,kafka.linger.ms=0.
#include <cstdlib>
#include <string>

#include "src/config/config.hpp"

namespace spotstream::bench {

inline void apply_settings(Config& cfg, const char* name) {
  const char* value = std::getenv(name);
  if (!value) return;
  for (std::string rest = value; !rest.empty();) {
    const auto comma = rest.find(',');
    cfg.set_assignment(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
}

}  // namespace spotstream::bench
