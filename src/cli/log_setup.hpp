#pragma once
//! The process's log: stderr, in the human format for terminals ("2026-12-04T06:14:55.363 info
//! postgres: connected ...") or as JSON lines for log pipelines (log.format=json, --log-format
//! json): {"time","level","component","message"} and, when the message names them, "topic",
//! "partition", "offset" (from topic[partition]@offset), "pool" (az/type[/product]) and "node".
//! The component is the message's own prefix ("postgres: ...", "decisions: ..."), else
//! "spotstream". Warnings and errors repeating the same text (digits aside) more than a few
//! times in 10 s are held back, and how many were is logged when the window ends.
#include <memory>
#include <string>

#include <spdlog/common.h>

#include "src/config/config.hpp"

namespace spotstream::cli {

//! Installs the stderr logger in the human format (before the configuration is read).
void install_logger();
//! Applies log.level and log.format; throws ConfigError on a value neither knows.
void configure_logger(const Config& cfg);

//! A sink that holds back repeated warnings and errors before `inner` (what install_logger uses;
//! exposed for tests).
spdlog::sink_ptr repeat_limited(spdlog::sink_ptr inner);

//! One log line as JSON (exposed for tests): `time_ms` since the epoch.
std::string json_log_line(long long time_ms, const std::string& level, const std::string& message);

}  // namespace spotstream::cli
