#include "src/core/time.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace spotstream {

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// "YYYY-MM-DDTHH:MM:SS", the form nearly every event time is written in: its separators and
// digits checked a word at a time, where the general reading below takes a loop per number.
bool fixed_date_time(std::string_view s, int& y, int& mo, int& d, int& h, int& mi, int& se) {
  if (s.size() < 19) return false;
  std::uint64_t head, mid, tail;  // bytes 0-7 "YYYY-MM-", 8-15 "DDTHH:MM", 11-18 "HH:MM:SS"
  std::memcpy(&head, s.data(), 8);
  std::memcpy(&mid, s.data() + 8, 8);
  std::memcpy(&tail, s.data() + 11, 8);
  // A byte is a digit when its high nibble is 3 and adding 6 leaves it there; no carry crosses
  // bytes once every high nibble is 3. The mask keeps the digit positions, little-endian.
  const auto all_digits = [](std::uint64_t x, std::uint64_t mask) {
    const std::uint64_t highs = 0xF0F0F0F0F0F0F0F0ULL & mask, threes = 0x3030303030303030ULL & mask;
    return (x & highs) == threes && ((x + (0x0606060606060606ULL & mask)) & highs) == threes;
  };
  const auto bytes_are = [](std::uint64_t x, std::uint64_t mask, std::uint64_t want) { return (x & mask) == want; };
  if constexpr (std::endian::native != std::endian::little) return false;
  if (!all_digits(head, 0x00FFFF00FFFFFFFFULL) || !bytes_are(head, 0xFF0000FF00000000ULL, 0x2D00002D00000000ULL) ||
      !all_digits(tail, 0xFFFF00FFFF00FFFFULL) || !bytes_are(tail, 0x0000FF0000FF0000ULL, 0x00003A00003A0000ULL) ||
      !all_digits(mid, 0x000000000000FFFFULL) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
    return false;
  const auto two = [&s](std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); };
  y = two(0) * 100 + two(2);
  mo = two(5);
  d = two(8);
  h = two(11);
  mi = two(14);
  se = two(17);
  return true;
}

}  // namespace

std::optional<TimestampMs> parse_iso8601(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!fixed_date_time(s, y, mo, d, h, mi, se) &&
      (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
       !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
       s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)))
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  if (d > kDays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0)) return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    const size_t start = pos;
    static constexpr int kScale[] = {100, 10, 1};  // digits past the third are below a millisecond
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos)
      if (pos - start < 3) ms += (s[pos] - '0') * kScale[pos - start];
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_min = 0;
  if (pos < s.size()) {
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
      pos++;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      const int sign = s[pos] == '+' ? 1 : -1;
      if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!digits(s, mpos, 2, om) || mpos + 2 != s.size() || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
      pos = s.size();
    } else {
      return std::nullopt;
    }
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
  return secs * 1000 + ms;
}

std::string format_iso8601(TimestampMs ms) {
  char buf[48];
  return std::string(format_iso8601(ms, buf));
}

std::string_view format_iso8601(TimestampMs ms, char (&buf)[48]) {
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const int milli = static_cast<int>(ms - secs * 1000);
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t sod = secs - days * 86400;
  // civil_from_days (Howard Hinnant)
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  if (y < 0 || y > 9999) {  // outside the fixed four-digit form (no real event time gets here)
    const int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m,
                                d, static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                                static_cast<int>(sod % 60), milli);
    return std::string_view(buf, static_cast<std::size_t>(std::clamp(n, 0, 47)));
  }
  // By hand: snprintf costs more than the calendar arithmetic, and every spot.risk record has one.
  constexpr std::string_view kForm = "0000-00-00T00:00:00.000Z";
  std::memcpy(buf, kForm.data(), kForm.size());
  auto put = [&buf](std::size_t at, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, static_cast<unsigned>(y), 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, static_cast<unsigned>(sod / 3600), 2);
  put(14, static_cast<unsigned>(sod / 60 % 60), 2);
  put(17, static_cast<unsigned>(sod % 60), 2);
  put(20, static_cast<unsigned>(milli), 3);
  return std::string_view(buf, kForm.size());
}

}  // namespace spotstream
