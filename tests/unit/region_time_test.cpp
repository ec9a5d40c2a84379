// Region local standard time: offsets from where each region is, and the local clock (day, time of
// day, weekday) checked against dates worked out with Python's datetime.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "src/core/region_time.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

TEST(RegionTime, StandardOffsetsOfKnownRegions) {
  // The synthetic market's regions keep the offsets its golden hash was made with.
  EXPECT_EQ(utc_offset_minutes("us-east-1"), -5 * 60);
  EXPECT_EQ(utc_offset_minutes("eu-west-1"), 0);
  EXPECT_EQ(utc_offset_minutes("us-west-2"), -8 * 60);
  EXPECT_EQ(utc_offset_minutes("eu-central-1"), 60);
  EXPECT_EQ(utc_offset_minutes("ca-central-1"), -5 * 60);  // Montreal
  EXPECT_EQ(utc_offset_minutes("sa-east-1"), -3 * 60);     // Sao Paulo
  EXPECT_EQ(utc_offset_minutes("af-south-1"), 2 * 60);     // Cape Town
  EXPECT_EQ(utc_offset_minutes("me-south-1"), 3 * 60);     // Bahrain
  EXPECT_EQ(utc_offset_minutes("me-central-1"), 4 * 60);   // UAE
  EXPECT_EQ(utc_offset_minutes("ap-south-1"), 5 * 60 + 30);  // Mumbai: half an hour
  EXPECT_EQ(utc_offset_minutes("ap-northeast-1"), 9 * 60);   // Tokyo
  EXPECT_EQ(utc_offset_minutes("ap-southeast-2"), 10 * 60);  // Sydney, standard time
}

TEST(RegionTime, UnnamedRegionsFallBackToGeographyOrUtc) {
  EXPECT_EQ(utc_offset_minutes("us-east-7"), -5 * 60);
  EXPECT_EQ(utc_offset_minutes("us-gov-west-9"), -8 * 60);
  EXPECT_EQ(utc_offset_minutes("eu-central-9"), 60);
  EXPECT_EQ(utc_offset_minutes("ap-central-9"), 0);  // ap-* spans too many zones to guess
  EXPECT_EQ(utc_offset_minutes("mars-north-1"), 0);
  EXPECT_EQ(utc_offset_minutes(""), 0);
}

TEST(RegionTime, LocalClock) {
  // 2024-01-06T00:00Z (1704499200000, a Saturday) is Friday 19:00 in us-east-1, day 19727.
  auto c = local_clock(*parse_iso8601("2024-01-06T00:00:00Z"), "us-east-1");
  EXPECT_EQ(c.day, 19727);
  EXPECT_EQ(c.ms_of_day, 19LL * 3600 * 1000);
  EXPECT_EQ(c.weekday, 5);
  EXPECT_DOUBLE_EQ(c.hour(), 19.0);
  EXPECT_FALSE(c.weekend());
  // ... and Saturday 05:30 in ap-south-1, day 19728.
  c = local_clock(1704499200000, "ap-south-1");
  EXPECT_EQ(c.day, 19728);
  EXPECT_EQ(c.weekday, 6);
  EXPECT_DOUBLE_EQ(c.hour(), 5.5);
  EXPECT_TRUE(c.weekend());
  // 2024-01-08T13:45Z is Monday 22:45 in Tokyo.
  c = local_clock(1704721500000, "ap-northeast-1");
  EXPECT_EQ(c.weekday, 1);
  EXPECT_DOUBLE_EQ(c.hour(), 22.75);
  // Before the epoch: 1969-12-31T23:59:59.999Z, a Wednesday, day -1.
  c = local_clock(-1, "eu-west-1");
  EXPECT_EQ(c.day, -1);
  EXPECT_EQ(c.ms_of_day, 86'399'999);
  EXPECT_EQ(c.weekday, 3);
  // The offset overload is the same clock.
  EXPECT_EQ(local_clock(1704499200000, 330).ms_of_day, local_clock(1704499200000, "ap-south-1").ms_of_day);
}

// The hour angle against std::sin/std::cos of 2*pi*h/24 as the features define it: every whole
// minute bit for bit, and random times of day (milliseconds) to within 3e-15 (the angle itself,
// about 6.28 at most, is only exact to 9e-16).
TEST(RegionTime, HourAngleMatchesTheLibmFunctions) {
  auto reference = [](std::int64_t ms) {
    const double a = 2.0 * std::numbers::pi * (static_cast<double>(ms) / 3'600'000.0) / 24.0;
    return std::pair{std::sin(a), std::cos(a)};
  };
  for (std::int64_t m = 0; m < 1440; ++m) {
    const LocalClock c{0, m * 60'000, 0};
    const auto [s, co] = reference(c.ms_of_day);
    EXPECT_EQ(c.hour_angle().sin, s) << m;
    EXPECT_EQ(c.hour_angle().cos, co) << m;
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200'000; ++i) {
    const LocalClock c{0, static_cast<std::int64_t>(rng() % 86'400'000), 0};
    const auto [s, co] = reference(c.ms_of_day);
    ASSERT_NEAR(c.hour_angle().sin, s, 3e-15) << c.ms_of_day;
    ASSERT_NEAR(c.hour_angle().cos, co, 3e-15) << c.ms_of_day;
  }
}

// The per-pool day cache against the plain calendar arithmetic: ticks mostly forward a few minutes
// at a time, with jumps back, across midnights, before 1970, and an offset that changes.
TEST(RegionTime, DayCacheGivesTheSameClockAsTheArithmetic) {
  std::mt19937_64 rng(7);
  LocalDayCache cache;
  TimestampMs t = -3LL * 86'400'000;
  int offset = -300;
  for (int i = 0; i < 200'000; ++i) {
    const auto r = rng() % 1000;
    if (r < 5) t -= static_cast<TimestampMs>(rng() % (3LL * 86'400'000));  // back, up to 3 days
    else if (r < 8) offset = static_cast<int>(rng() % 1441) - 720;
    else t += static_cast<TimestampMs>(rng() % 600'000);
    const LocalClock want = local_clock(t, offset), got = cache.at(t, offset);
    ASSERT_EQ(got.day, want.day) << t << " " << offset;
    ASSERT_EQ(got.ms_of_day, want.ms_of_day) << t << " " << offset;
    ASSERT_EQ(got.weekday, want.weekday) << t << " " << offset;
  }
}
