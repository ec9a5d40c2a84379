// A scanner for the one shape nearly every price message has: a flat canonical tick with plain
// ASCII strings and numbers. It collects the same fields simdjson's reader would, without the
// padded copy, the structural index or the per-field dispatch. Anything else (escapes, non-ASCII,
// null, nesting, unknown or repeated keys, numbers simdjson and from_chars might read apart) is
// left to the general decoder, which also words every refusal.
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "src/codec/decoding.hpp"
#include "src/codec/plain_ascii.hpp"

namespace spotstream::codec_detail {

namespace {

bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }
bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

struct Cursor {
  const char* p;
  const char* end;

  void skip_space() {
    while (p < end && is_space(*p)) ++p;
  }
  bool at(char ch) const { return p < end && *p == ch; }
  bool eat(char ch) {
    skip_space();
    if (!at(ch)) return false;
    ++p;
    return true;
  }
  const char* skip_digits(const char* q) const {
    while (q < end && is_digit(*q)) ++q;
    return q;
  }
};

// After the opening quote: printable ASCII up to the closing quote, which is consumed. What it
// returns is the string's value, since nothing in it needs unescaping.
bool plain_string(Cursor& c, std::string_view& out) {
  const char* q = c.p;
#if defined(__SSE2__)
  // Sixteen bytes a compare: most values (zones, types, products) end within the first block.
  for (; c.end - q >= 16; q += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    const unsigned quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('"'))));
    // Signed bytes: 0x80 and above are negative, so "below 0x20" takes them too.
    const __m128i not_plain = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                                        _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
                                           _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    const unsigned bad = static_cast<unsigned>(_mm_movemask_epi8(not_plain));
    if (!quotes) {
      if (bad) return false;
      continue;
    }
    if (bad & ((quotes & -quotes) - 1)) return false;  // a bad byte before the first quote
    q += std::countr_zero(quotes);
    out = std::string_view(c.p, static_cast<std::size_t>(q - c.p));
    c.p = q + 1;
    return true;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    for (; c.end - q >= 8; q += 8) {
      std::uint64_t x;
      std::memcpy(&x, q, sizeof x);
      const std::uint64_t quotes = quote_flags(x), bad = not_plain_flags(x);
      if (!quotes) {
        if (bad) return false;
        continue;
      }
      const std::uint64_t below_quote = (quotes & -quotes) - 1;  // the bits under the first quote's flag
      if (bad & below_quote) return false;
      q += std::countr_zero(quotes) / 8;
      out = std::string_view(c.p, static_cast<std::size_t>(q - c.p));
      c.p = q + 1;
      return true;
    }
  }
  for (; q < c.end; ++q) {
    if (*q == '"') {
      out = std::string_view(c.p, static_cast<std::size_t>(q - c.p));
      c.p = q + 1;
      return true;
    }
    if (!plain_byte(static_cast<unsigned char>(*q))) return false;
  }
  return false;
}

// A decimal without exponent of at most 19 digits whose digits, read as one integer, fit a double
// exactly, and of at most 22 places: that integer over the exact power of ten, one correctly
// rounded division, is the double from_chars would read (Clinger's fast path). Prices are written
// this way; anything else is left to from_chars.
bool exact_decimal(bool negative, std::uint64_t digits, int count, int places, double& out) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (count > 19 || places >= static_cast<int>(std::size(kPowers)) || digits > (std::uint64_t{1} << 53)) return false;
  const double v = static_cast<double>(digits) / kPowers[places];
  out = negative ? -v : v;
  return true;
}

// A JSON number by the grammar's own rules (from_chars alone would take "1." or ".5"). Integers
// become Int exactly as simdjson's is_int64 path makes them; those of more than 18 digits (which
// may not fit) and values from_chars cannot hold are left to the general decoder. The digits are
// gathered as they are checked, for exact_decimal (the first 19: no overflow).
bool plain_number(Cursor& c, Scalar& s) {
  const char* start = c.p;
  const char* q = start;
  const bool negative = q < c.end && *q == '-';
  q += negative;
  if (q == c.end || !is_digit(*q)) return false;
  std::uint64_t digits = 0;
  int count = 0;
  const auto gather = [&](const char* r) {
    for (; r < c.end && is_digit(*r); ++r, ++count)
      if (count < 19) digits = digits * 10 + static_cast<std::uint64_t>(*r - '0');
    return r;
  };
  q = *q == '0' ? (++count, q + 1) : gather(q);
  bool integral = true, exponent = false;
  int places = 0;
  if (q < c.end && *q == '.') {
    const char* frac = q + 1;
    q = gather(frac);
    if (q == frac) return false;
    places = static_cast<int>(q - frac);
    integral = false;
  }
  if (q < c.end && (*q == 'e' || *q == 'E')) {
    ++q;
    if (q < c.end && (*q == '+' || *q == '-')) ++q;
    const char* exp = q;
    q = c.skip_digits(exp);
    if (q == exp) return false;
    integral = false;
    exponent = true;
  }
  if (integral) {
    if (q - start > 18) return false;
    auto [ptr, ec] = std::from_chars(start, q, s.i);
    if (ec != std::errc() || ptr != q) return false;
    s.kind = Scalar::Kind::Int;
    s.d = static_cast<double>(s.i);
  } else {
    if (exponent || !exact_decimal(negative, digits, count, places, s.d)) {
      auto [ptr, ec] = std::from_chars(start, q, s.d);
      if (ec != std::errc() || ptr != q) return false;
    }
    s.kind = Scalar::Kind::Double;
  }
  c.p = q;
  return true;
}

// Equal bytes, for keys of at most 16 (the canonical ones): two overlapping loads from each side,
// inlined, where memcmp is a call for a length known only at run time.
bool same_short_bytes(const char* a, const char* b, std::size_t n) {
  const auto same = [](const char* x, const char* y, auto word) {
    auto other = word;
    std::memcpy(&word, x, sizeof word);
    std::memcpy(&other, y, sizeof other);
    return word == other;
  };
  if (n >= 8) return same(a, b, std::uint64_t{}) && same(a + n - 8, b + n - 8, std::uint64_t{});
  if (n >= 4) return same(a, b, std::uint32_t{}) && same(a + n - 4, b + n - 4, std::uint32_t{});
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

constexpr bool canonical_keys_short() {
  for (const auto key : kCanonicalTickKeys)
    if (key.size() > 16) return false;
  return true;
}
static_assert(canonical_keys_short(), "next_key compares keys of at most 16 bytes");

int canonical_key(std::string_view key) {
  using namespace std::string_view_literals;
  switch (key.size()) {  // the lengths tell the keys apart, but for "ts" and "az"
    case 2: return key == "ts"sv ? 0 : key == "az"sv ? 2 : -1;
    case 6: return key == "region"sv ? 1 : -1;
    case 13: return key == "instance_type"sv ? 3 : -1;
    case 7: return key == "product"sv ? 4 : -1;
    case 10: return key == "spot_price"sv ? 5 : -1;
    case 15: return key == "on_demand_price"sv ? 6 : -1;
    default: return -1;
  }
}

// After a key's opening quote: its index, the quote after it consumed, or -1. Producers write the
// keys in the schema's order, so the expected one is tried first.
int next_key(Cursor& c, int expected) {
  if (expected < static_cast<int>(std::size(kCanonicalTickKeys))) {
    const std::string_view key = kCanonicalTickKeys[expected];
    if (static_cast<std::size_t>(c.end - c.p) > key.size() && c.p[key.size()] == '"' &&
        same_short_bytes(c.p, key.data(), key.size())) {
      c.p += key.size() + 1;
      return expected;
    }
  }
  std::string_view key;
  return plain_string(c, key) ? canonical_key(key) : -1;
}

bool scan_value(Cursor& c, Scalar& s) {
  c.skip_space();
  if (c.at('"')) {
    ++c.p;
    s.kind = Scalar::Kind::String;
    return plain_string(c, s.str);
  }
  return plain_number(c, s);
}

}  // namespace

bool scan_canonical_tick(std::string_view msg, CanonicalTickFields& fields) {
  Cursor c{msg.data(), msg.data() + msg.size()};
  if (!c.eat('{')) return false;
  bool seen[std::size(kCanonicalTickKeys)] = {};
  int fields_read = 0;
  do {
    if (!c.eat('"')) return false;  // also an empty object: the general decoder words that
    const int k = next_key(c, fields_read++);
    if (k < 0 || seen[k]) return false;
    seen[k] = true;
    if (!c.eat(':') || !scan_value(c, fields[k])) return false;
  } while (c.eat(','));
  if (!c.eat('}')) return false;
  c.skip_space();
  return c.p == c.end;
}

namespace {

bool is_number_byte(char ch) { return is_digit(ch) || ch == '.' || ch == '-' || ch == '+' || ch == 'e' || ch == 'E'; }

// Where the number that ends at `end` begins (not before `floor`).
const char* number_begin(const char* floor, const char* end) {
  while (end > floor && is_number_byte(end[-1])) --end;
  return end;
}

constexpr char kSpotKey[] = "\"spot_price\":", kOnDemandKey[] = ",\"on_demand_price\":";

// Whether `lit` ends right at `at` (and starts no earlier than `floor`). Of a length known when
// compiled, so that the compare is a few loads rather than a call.
template <std::size_t N>
bool literal_before(const char* floor, const char* at, const char (&lit)[N]) {
  constexpr std::size_t n = N - 1;
  return static_cast<std::size_t>(at - floor) >= n && std::memcmp(at - n, lit, n) == 0;
}

// [from, to) is one whole number as the scanner reads numbers.
bool whole_number(const char* from, const char* to, Scalar& s) {
  Cursor c{from, to};
  return from != to && plain_number(c, s) && c.p == to;
}

}  // namespace

bool split_canonical_tick(std::string_view msg, CanonicalTickParts& parts) {
  using namespace std::string_view_literals;
  constexpr std::string_view kHead = "{\"ts\":\""sv;
  const char* const begin = msg.data();
  const char* const end = begin + msg.size();
  if (msg.size() < kHead.size() + 2 || end[-1] != '}' || std::memcmp(begin, kHead.data(), kHead.size()) != 0) return false;
  Cursor c{begin + kHead.size(), end - 1};
  parts.ts = Scalar{};
  if (!plain_string(c, parts.ts.str)) return false;
  parts.ts.kind = Scalar::Kind::String;
  const char* const text = c.p;
  // The prices, read back from the closing brace.
  const char* p = end - 1;
  const char* number = number_begin(text, p);
  parts.on_demand = Scalar{};
  if (literal_before(text, number, kOnDemandKey)) {
    if (!whole_number(number, p, parts.on_demand)) return false;
    p = number - (sizeof kOnDemandKey - 1);
    number = number_begin(text, p);
  }
  parts.spot = Scalar{};
  if (!literal_before(text, number, kSpotKey) || !whole_number(number, p, parts.spot)) return false;
  parts.pool_text = std::string_view(text, static_cast<std::size_t>(number - (sizeof kSpotKey - 1) - text));
  return true;
}

}  // namespace spotstream::codec_detail
