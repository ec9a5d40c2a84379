#pragma once
//! Stable 64-bit hashing for routing and deterministic ids. FNV-1a: the same bytes give the same
//! value on every machine and every run (std::hash gives no such promise).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace spotstream {

constexpr std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

//! Hash of several fields, separated so ("ab","c") and ("a","bc") differ.
inline std::uint64_t fnv1a64_fields(std::initializer_list<std::string_view> fields) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (auto f : fields) {
    h = fnv1a64(f, h);
    h = fnv1a64(std::string_view("\x1f", 1), h);
  }
  return h;
}

//! fnv1a64("<az>/<family>") without building the string: the routing hash of a family's ticks.
constexpr std::uint64_t family_key_hash(std::string_view az, std::string_view family) {
  return fnv1a64(family, fnv1a64("/", fnv1a64(az)));
}

//! Hash of a string key, for unordered containers keyed by std::string and searched with a
//! std::string_view (with std::equal_to<>): no string is built per lookup. Not stable across runs.
struct StringKeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

//! 16 lowercase hex digits.
std::string to_hex16(std::uint64_t v);

}  // namespace spotstream
