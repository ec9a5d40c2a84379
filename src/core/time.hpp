#pragma once
//! ISO-8601 timestamps <-> event time in milliseconds. Hand-written: 6x faster than strptime+timegm
//! (FACTS.md) and independent of the process locale and TZ.
#include <optional>
#include <string>
#include <string_view>

#include "src/core/event.hpp"

namespace spotstream {

//! Lengths of event time.
inline constexpr TimestampMs kSecondMs = 1'000;
inline constexpr TimestampMs kMinuteMs = 60 * kSecondMs;
inline constexpr TimestampMs kHourMs = 60 * kMinuteMs;
inline constexpr TimestampMs kDayMs = 24 * kHourMs;

//! The cell of a grid of `step` ms that `t` falls in: floor(t / step), also for negative times.
constexpr TimestampMs grid_cell(TimestampMs t, TimestampMs step) {
  const TimestampMs q = t / step;
  return (t % step != 0 && t < 0) ? q - 1 : q;
}

//! Parses "2020-02-20T22:06:16.000Z", "2022-08-11T14:00:00Z", "...+02:00", "2020-02-20 22:06:16".
//! Fractions of any length are accepted (truncated to ms). A missing zone means UTC.
//! Returns nullopt on anything else, including out-of-range fields.
std::optional<TimestampMs> parse_iso8601(std::string_view s);

//! Formats as "2020-02-20T22:06:16.000Z".
std::string format_iso8601(TimestampMs ms);
//! The same text written into `buf` (no allocation, for encoders on the hot path); returns it.
std::string_view format_iso8601(TimestampMs ms, char (&buf)[48]);

//! Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int y, unsigned m, unsigned d);

}  // namespace spotstream
