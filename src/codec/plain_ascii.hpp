#pragma once
// Internal to src/codec: eight bytes at a time, which bytes of JSON string text need no escaping.
// Shared by the canonical tick scanner (reading) and JsonWriter (writing).
#include <cstdint>
#include <cstring>
#include <string_view>

namespace spotstream::codec_detail {

// Flags (0x80 in a byte) for quotes and for bytes that are not plain (control bytes, 0x7f and
// above, the backslash). A flag can be wrong only above a byte rightly flagged by the same test
// (borrows run upwards), so the lowest flags are exact, and "no flag at all" is exact.
inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
inline std::uint64_t zero_bytes(std::uint64_t x) { return (x - kOnes) & ~x & kHighs; }
inline std::uint64_t quote_flags(std::uint64_t x) { return zero_bytes(x ^ (kOnes * '"')); }
inline std::uint64_t not_plain_flags(std::uint64_t x) {
  const std::uint64_t control = (x - kOnes * 0x20) & ~x & kHighs;  // below 0x20
  const std::uint64_t high = ((x + kOnes) | x) & kHighs;           // 0x7f and above
  return control | high | zero_bytes(x ^ (kOnes * '\\'));
}
inline bool plain_byte(unsigned char ch) { return ch != '\\' && ch >= 0x20 && ch < 0x7f; }

//! Printable ASCII without quote or backslash: JSON string text as it stands.
inline bool plain_text(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  std::uint64_t flags = 0;
  for (; end - p >= 8; p += 8) {
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    flags |= quote_flags(x) | not_plain_flags(x);
  }
  for (; p < end; ++p) flags |= !plain_byte(static_cast<unsigned char>(*p)) || *p == '"';
  return flags == 0;
}

}  // namespace spotstream::codec_detail
