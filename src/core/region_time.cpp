#include "src/core/region_time.hpp"

#include "src/core/time.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <utility>

namespace spotstream {
namespace {

// Where each region's datacentres are and that place's standard-time offset (minutes). Regions
// named by AWS as of 2025; exact names first, so a new region falls back to its geography below.
constexpr std::array<std::pair<std::string_view, int>, 38> kRegions{{
    {"us-east-1", -300},      {"us-east-2", -300},      {"us-west-1", -480},     // N. Virginia, Ohio, N. California
    {"us-west-2", -480},      {"us-gov-east-1", -300},  {"us-gov-west-1", -480}, // Oregon, GovCloud
    {"ca-central-1", -300},   {"ca-west-1", -420},      {"mx-central-1", -360},  // Montreal, Calgary, Queretaro
    {"sa-east-1", -180},                                                         // Sao Paulo
    {"eu-west-1", 0},         {"eu-west-2", 0},         {"eu-west-3", 60},       // Ireland, London, Paris
    {"eu-central-1", 60},     {"eu-central-2", 60},     {"eu-north-1", 60},      // Frankfurt, Zurich, Stockholm
    {"eu-south-1", 60},       {"eu-south-2", 60},                                // Milan, Spain
    {"il-central-1", 120},    {"af-south-1", 120},                               // Tel Aviv, Cape Town
    {"me-south-1", 180},      {"me-central-1", 240},                             // Bahrain, UAE
    {"ap-south-1", 330},      {"ap-south-2", 330},                               // Mumbai, Hyderabad
    {"ap-southeast-3", 420},  {"ap-southeast-7", 420},                           // Jakarta, Bangkok
    {"ap-southeast-1", 480},  {"ap-southeast-5", 480},                           // Singapore, Malaysia
    {"ap-east-1", 480},       {"ap-east-2", 480},                                // Hong Kong, Taipei
    {"cn-north-1", 480},      {"cn-northwest-1", 480},                           // Beijing, Ningxia
    {"ap-northeast-1", 540},  {"ap-northeast-2", 540},  {"ap-northeast-3", 540}, // Tokyo, Seoul, Osaka
    {"ap-southeast-2", 600},  {"ap-southeast-4", 600},                           // Sydney, Melbourne
    {"ap-southeast-6", 720},                                                     // New Zealand
}};

// Geography of a region prefix for regions the table does not name yet (longest prefix first).
// ap-* and me-* span too many time zones to guess: an unknown one reads as UTC.
constexpr std::array<std::pair<std::string_view, int>, 14> kPrefixes{{
    {"us-gov-west", -480}, {"us-gov-east", -300}, {"us-east", -300}, {"us-west", -480},
    {"ca-west", -420}, {"ca-", -300}, {"mx-", -360}, {"sa-", -180}, {"eu-central", 60},
    {"eu-north", 60}, {"eu-south", 60}, {"il-", 120}, {"af-", 120}, {"cn-", 480},
}};

}  // namespace

int utc_offset_minutes(std::string_view region) {
  for (const auto& [name, offset] : kRegions)
    if (name == region) return offset;
  for (const auto& [prefix, offset] : kPrefixes)
    if (region.starts_with(prefix)) return offset;
  return 0;
}

LocalClock::Angle LocalClock::hour_angle() const {
  constexpr std::int64_t kMinutes = kDayMs / kMinuteMs;
  // Each entry by the very expression a caller would write for that minute, so whole minutes
  // (nearly every real tick) give std::sin/std::cos's own bits.
  static const auto table = [] {
    std::array<Angle, kMinutes> t{};
    for (std::int64_t m = 0; m < kMinutes; ++m) {
      const LocalClock c{0, m * kMinuteMs, 0};
      const double a = 2.0 * std::numbers::pi * c.hour() / 24.0;
      t[static_cast<std::size_t>(m)] = {std::sin(a), std::cos(a)};
    }
    return t;
  }();
  const Angle& a = table[static_cast<std::size_t>(ms_of_day / kMinuteMs)];
  const std::int64_t rest = ms_of_day % kMinuteMs;
  if (rest == 0) return a;
  // b < 2*pi/1440 ~ 0.0044: Taylor terms to b^5 (sin) and b^6 (cos) leave an error below 1e-19.
  const double b = 2.0 * std::numbers::pi * (static_cast<double>(rest) / 3'600'000.0) / 24.0;
  const double b2 = b * b;
  const double sb = b * (1 - b2 / 6 * (1 - b2 / 20));
  const double cb = 1 - b2 / 2 * (1 - b2 / 12 * (1 - b2 / 30));
  return {a.sin * cb + a.cos * sb, a.cos * cb - a.sin * sb};
}

LocalClock local_clock(TimestampMs utc, std::string_view region) {
  return local_clock(utc, utc_offset_minutes(region));
}

LocalClock local_clock(TimestampMs utc, int utc_offset_minutes) {
  const std::int64_t local = utc + utc_offset_minutes * kMinuteMs;
  LocalClock c;
  c.day = local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
  c.ms_of_day = local - c.day * kDayMs;
  c.weekday = static_cast<int>(((c.day + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  return c;
}

LocalClock LocalDayCache::at(TimestampMs utc, int utc_offset_minutes) {
  if (utc >= start_ && utc < end_ && utc_offset_minutes == offset_) {
    LocalClock c = day_;
    c.ms_of_day = utc - start_;
    return c;
  }
  const LocalClock c = local_clock(utc, utc_offset_minutes);
  offset_ = utc_offset_minutes;
  start_ = utc - c.ms_of_day;
  end_ = start_ + kDayMs;
  day_ = c;
  day_.ms_of_day = 0;
  return c;
}

}  // namespace spotstream
