#pragma once
//! Where a command's price history comes from: price files, the synthetic market, or a range of
//! the prices topic on --brokers. Shared by `risk`, `train` and `evaluate`.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "src/codec/price_file.hpp"
#include "src/config/config.hpp"
#include "src/core/event.hpp"

namespace spotstream::cli {

struct PriceHistoryOptions {
  std::vector<std::string> inputs;  //!< price files
  bool synth = false;               //!< the synthetic market (seed, days), prices only
  std::uint64_t seed = 42;
  int days = 8;
  bool topic = false;               //!< topics.prices on --brokers, within [from, to)
  std::string from, to;             //!< ISO-8601; empty: unbounded
};

struct PriceHistory {
  std::vector<PriceTick> ticks;  //!< sorted by event time
  //! Lines of the files (or messages of the topic: file = "<topic>[<partition>]", line = offset)
  //! that did not decode.
  std::vector<BadLine> bad;
  TimestampMs from = std::numeric_limits<TimestampMs>::min();  //!< --from: what comes before is warm-up
};

//! ISO-8601 or a ConfigError naming the option.
TimestampMs parse_time_option(const std::string& s, const char* option);

//! Loads the one history the options name (ConfigError unless exactly one). From a topic, ticks
//! from `lookback_ms` before --from are read too (windows warm at --from). Files' bad lines go to
//! `bad` when `keep_bad_lines`, otherwise the first stops the load naming file and line; a topic's
//! bad messages always go to `bad`.
PriceHistory load_price_history(const Config& cfg, const PriceHistoryOptions& o, bool keep_bad_lines,
                                TimestampMs lookback_ms = 0);

}  // namespace spotstream::cli
