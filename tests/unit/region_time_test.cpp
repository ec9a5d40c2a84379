// Region local standard time: offsets from where each region is, and the local clock (day, time of
// day, weekday) checked against dates worked out with Python's datetime.
#include <gtest/gtest.h>

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
