#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "src/core/time.hpp"

using namespace spotstream;

// Reference: the C library's timegm over the same broken-down time.
static TimestampMs reference(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<TimestampMs>(timegm(&tm)) * 1000;
}

TEST(Time, ParsesAwsShapes) {
  EXPECT_EQ(parse_iso8601("2020-02-20T22:06:16.000Z"), reference(2020, 2, 20, 22, 6, 16));
  EXPECT_EQ(parse_iso8601("2022-08-11T14:00:00Z"), reference(2022, 8, 11, 14, 0, 0));
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("2020-02-20T22:06:16.123456Z"), reference(2020, 2, 20, 22, 6, 16) + 123);
  EXPECT_EQ(parse_iso8601("2020-02-20T22:06:16+02:00"), reference(2020, 2, 20, 20, 6, 16));
  EXPECT_EQ(parse_iso8601("2020-02-20 22:06:16"), reference(2020, 2, 20, 22, 6, 16));
}

TEST(Time, RejectsNonsense) {
  for (const char* s : {"", "2020", "2020-13-01T00:00:00Z", "2021-02-29T00:00:00Z", "2020-02-20T25:00:00Z",
                        "2020-02-20T22:06:16.Z", "2020-02-20T22:06:16Zjunk", "yesterday", "2020-02-20T22:06:16+2"})
    EXPECT_FALSE(parse_iso8601(s).has_value()) << s;
  EXPECT_TRUE(parse_iso8601("2020-02-29T00:00:00Z").has_value());
}

TEST(Time, FormatRoundTripsAgainstTimegm) {
  for (int y : {1970, 1999, 2000, 2019, 2020, 2024, 2100})
    for (int mo : {1, 2, 3, 12})
      for (int d : {1, 28}) {
        const auto ms = reference(y, mo, d, 13, 7, 9) + 42;
        const auto s = format_iso8601(ms);
        EXPECT_EQ(parse_iso8601(s), ms) << s;
      }
  EXPECT_EQ(format_iso8601(reference(2020, 2, 20, 22, 6, 16)), "2020-02-20T22:06:16.000Z");
}

// The C library's text of a (non-negative) instant: gmtime_r and snprintf.
static std::string gmtime_text(TimestampMs ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// Reading the C library's text of random instants gives the instant back, in each separator form.
TEST(Time, ParsesGmtimeTextOfRandomInstants) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const auto ms = static_cast<TimestampMs>(rng() % 8'835'000'000'000ULL);
    std::string text = gmtime_text(ms);
    ASSERT_EQ(parse_iso8601(text), ms) << text;
    text[10] = " tT"[i % 3];
    text.erase(19, 4);  // no fraction: whole seconds
    ASSERT_EQ(parse_iso8601(text), ms - ms % 1000) << text;
  }
}

// Every other byte in place of a digit or a separator of "YYYY-MM-DDTHH:MM:SS" is refused.
TEST(Time, RefusesAnyOtherByteInTheFixedForm) {
  const std::string good = "2020-02-20T22:06:16.250Z";
  const auto want = parse_iso8601(good);
  ASSERT_TRUE(want.has_value());
  for (std::size_t at = 0; at < 19; ++at) {
    const char was = good[at];
    const bool digit = was >= '0' && was <= '9';
    for (int b = 0; b < 256; ++b) {
      const char ch = static_cast<char>(b);
      if (digit ? ch >= '0' && ch <= '9' : ch == was || (at == 10 && (ch == 't' || ch == ' '))) continue;
      std::string bad = good;
      bad[at] = ch;
      EXPECT_FALSE(parse_iso8601(bad).has_value()) << "byte " << b << " at " << at;
    }
    if (at == 10)
      for (const char sep : {'t', ' '}) {
        std::string other = good;
        other[at] = sep;
        EXPECT_EQ(parse_iso8601(other), want) << other;
      }
  }
}

// Against the C library over random instants from 1970 to 2250.
TEST(Time, FormatEqualsGmtime) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100'000; ++i) {
    const auto ms = static_cast<TimestampMs>(rng() % 8'835'000'000'000ULL);
    ASSERT_EQ(format_iso8601(ms), gmtime_text(ms)) << ms;
  }
}

// Past year 9999 the text leaves the fixed form (five-digit years); the buffer form writes the
// same text as the string form. Against gmtime_r, as above.
TEST(Time, FormatPastYear9999EqualsGmtimeInBothForms) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1'000; ++i) {
    const auto ms = 253'402'300'800'000LL + static_cast<TimestampMs>(rng() % 3'000'000'000'000'000ULL);
    const std::string want = gmtime_text(ms);
    char buf[48];
    ASSERT_EQ(format_iso8601(ms, buf), want) << ms;
    ASSERT_EQ(format_iso8601(ms), want) << ms;
  }
}
