#pragma once
//! Local clock of an AWS region, in standard time (no daylight saving time). Demand for spot capacity
//! follows the working day where a region's customers are, so time features and the synthetic
//! market's demand curve read the region's local time. Standard time only: one fixed offset per
//! region keeps replays independent of a time-zone database, and an hour's error for half the year
//! does not matter for "is it business hours".
#include <cstdint>
#include <string_view>

#include "src/core/event.hpp"

namespace spotstream {

//! Standard-time offset of a region from UTC, in minutes (minutes because ap-south-1, Mumbai, is
//! +05:30). Known regions: us-*, us-gov-*, ca-*, mx-*, sa-*, eu-*, il-*, me-*, af-*, ap-*, cn-*.
//! An unknown region reads as UTC (0).
int utc_offset_minutes(std::string_view region);

//! A moment on a region's local standard clock.
struct LocalClock {
  std::int64_t day = 0;         //!< local days since 1970-01-01 (floor, also before 1970)
  std::int64_t ms_of_day = 0;   //!< [0, 86'400'000)
  int weekday = 0;              //!< 0 = Sunday ... 6 = Saturday
  //! Fractional local hour of the day, [0, 24).
  double hour() const { return static_cast<double>(ms_of_day) / 3'600'000.0; }
  bool weekend() const { return weekday == 0 || weekday == 6; }
  //! sin and cos of the hour angle 2*pi*hour()/24, to within 3e-15 of std::sin/std::cos and
  //! bit-identical to them on whole minutes, at a fraction of their cost (a table per minute of
  //! the day, rotated by the remainder with the angle-addition formulas).
  struct Angle {
    double sin, cos;
  };
  Angle hour_angle() const;
};

//! local_clock() for a stream of nearby times at one offset (one pool's ticks): remembers the local
//! day of the last call, so times on that day (nearly all ticks) skip the calendar arithmetic. The
//! same result as local_clock(), always. State of its owner's thread.
class LocalDayCache {
 public:
  LocalClock at(TimestampMs utc, int utc_offset_minutes);

 private:
  TimestampMs start_ = 0, end_ = 0;  //!< the cached day, [start, end) in UTC; empty at first
  int offset_ = 0;
  LocalClock day_{};  //!< its clock at start_
};

//! The local standard clock of `region` at event time `utc`.
LocalClock local_clock(TimestampMs utc, std::string_view region);
//! The same for an offset already looked up (hot loops keep the offset per pool).
LocalClock local_clock(TimestampMs utc, int utc_offset_minutes);

}  // namespace spotstream
