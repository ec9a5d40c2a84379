#include "src/codec/json_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "src/codec/json_detail.hpp"
#include "src/codec/plain_ascii.hpp"

namespace spotstream {

namespace {

//! The text of recently written doubles, by bit pattern: a record repeats many of its numbers from
//! the one before (a pool's on-demand price, its window's bounds, the hour of day shared by every
//! pool at once), and formatting a double is the dearest step of encoding. Per thread, so no locks;
//! a hit is exact (the whole bit pattern is compared).
struct NumberMemo {
  static constexpr std::size_t kSlots = 2048;
  struct Slot {
    std::uint64_t bits = 0;
    std::uint8_t len = 0;  //!< 0: empty
    char text[27];
  };
  Slot slots[kSlots];
  static std::size_t slot_of(std::uint64_t bits) { return (bits * 0x9E3779B97F4A7C15ull) >> 53; }
};
static_assert((std::uint64_t{1} << (64 - 53)) == NumberMemo::kSlots);

thread_local NumberMemo number_memo;

//! Scratch buffers of this thread's finished writers (more than one when writers nest).
struct SpareBuffers {
  static constexpr std::size_t kKept = 4;
  std::string buffers[kKept];
  std::size_t count = 0;
};
thread_local SpareBuffers spare_buffers;

//! Values below this are integers exactly when whole, so std::to_chars's fixed form of them is the
//! shortest digits padded with zeros; larger ones are left to std::to_chars.
constexpr double kExactIntegers = 9007199254740992.0;  // 2^53

//! The decimal digits of `v` (at most 17), written backwards ending at `end`; returns their count.
int write_digits(std::uint64_t v, char* end) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char* p = end;
  while (v >= 100) {
    const auto pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    p -= 2;
    std::memcpy(p, kPairs + pair, 2);
  }
  if (v >= 10) {
    p -= 2;
    std::memcpy(p, kPairs + v * 2, 2);
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return static_cast<int>(end - p);
}

//! `v` (finite, |v| < 2^53) as std::to_chars(first, last, v) writes it: the shortest digits that
//! read back as v (fmt's Dragonbox, cheaper than the Ryu inside std::to_chars), in fixed or
//! scientific notation, whichever is shorter, fixed on a tie. Sets `whole` when the text is an
//! integer (fixed, no point). JsonWriterTest checks it against std::to_chars over many values.
std::size_t shortest_form(double v, char* out, bool& whole) {
  char* p = out;
  if (std::signbit(v)) {
    *p++ = '-';
    v = -v;
  }
  whole = false;
  if (v == 0) {
    *p++ = '0';
    whole = true;
    return static_cast<std::size_t>(p - out);
  }
  const auto dec = fmt::detail::dragonbox::to_decimal(v);
  const int exp = dec.exponent;  // v = significand * 10^exp, the significand without trailing zeros
  char text[24];
  const int n = write_digits(dec.significand, text + sizeof text);
  const char* first = text + sizeof text - n;
  const int sci_exp = exp + n - 1;
  const int sci_len = n + (n > 1) + 2 + (std::abs(sci_exp) >= 100 ? 3 : 2);
  const int fixed_len = exp >= 0 ? n + exp : (n + exp > 0 ? n + 1 : 2 - exp);
  const auto copy = [&p](const char* from, int count) {
    std::memcpy(p, from, static_cast<std::size_t>(count));
    p += count;
  };
  if (fixed_len <= sci_len) {
    if (exp >= 0) {
      copy(first, n);
      p = std::fill_n(p, exp, '0');
      whole = true;
    } else if (n + exp > 0) {
      copy(first, n + exp);
      *p++ = '.';
      copy(first + n + exp, -exp);
    } else {
      copy("0.0000", 2 - n - exp);  // at most three zeros: with more, scientific is shorter
      copy(first, n);
    }
  } else {
    *p++ = first[0];
    if (n > 1) {
      *p++ = '.';
      copy(first + 1, n - 1);
    }
    *p++ = 'e';
    *p++ = sci_exp < 0 ? '-' : '+';
    const int e = std::abs(sci_exp);
    if (e >= 100) *p++ = static_cast<char>('0' + e / 100);
    *p++ = static_cast<char>('0' + e / 10 % 10);
    *p++ = static_cast<char>('0' + e % 10);
  }
  return static_cast<std::size_t>(p - out);
}

}  // namespace

std::size_t json_number_text(double v, char* out) {
  bool whole = false;
  std::size_t len = 0;
  if (std::abs(v) < kExactIntegers) {
    len = shortest_form(v, out, whole);
  } else {
    len = static_cast<std::size_t>(std::to_chars(out, out + 24, v).ptr - out);
    whole = std::string_view(out, len).find_first_of(".e") == std::string_view::npos;
  }
  // nlohmann keeps a whole double recognisable as a float: 3.0, not 3.
  if (whole) {
    std::memcpy(out + len, ".0", 2);
    len += 2;
  }
  return len;
}

JsonWriter::JsonWriter(std::size_t reserve) {
  auto& spare = spare_buffers;
  if (spare.count > 0) buf_ = std::move(spare.buffers[--spare.count]);
  if (buf_.size() < reserve) buf_.resize(reserve);
  at_ = buf_.data();
  end_ = at_ + buf_.size();
}

JsonWriter::~JsonWriter() {
  auto& spare = spare_buffers;
  if (spare.count < SpareBuffers::kKept) spare.buffers[spare.count++] = std::move(buf_);
}

void JsonWriter::grow(std::size_t more) {
  const std::size_t used = static_cast<std::size_t>(at_ - buf_.data());
  buf_.resize(std::max(buf_.size() * 2, used + more));
  at_ = buf_.data() + used;
  end_ = buf_.data() + buf_.size();
}

std::string JsonWriter::take() {
  std::string out(buf_.data(), static_cast<std::size_t>(at_ - buf_.data()));
  at_ = buf_.data();
  need_comma_ = false;
  return out;
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  put('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  put('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  put('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  put(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
  // Plain printable ASCII, by far the common case (pool ids, AZs, labels), is copied as is, in one
  // go; anything else goes through nlohmann's escaping, so both encoders treat odd bytes alike.
  if (codec_detail::plain_text(v)) {
    const std::size_t n = v.size() + 3;  // [,]"text"
    if (static_cast<std::size_t>(end_ - at_) < n) grow(n);
    if (need_comma_) *at_++ = ',';
    need_comma_ = true;
    *at_++ = '"';
    std::memcpy(at_, v.data(), v.size());
    at_ += v.size();
    *at_++ = '"';
  } else {
    separate();
    put(codec_json::dump(codec_json::Json(std::string(v))));
  }
  return *this;
}

JsonWriter& JsonWriter::number(double v) {
  if (!std::isfinite(v)) return null();
  separate();
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  auto& slot = number_memo.slots[NumberMemo::slot_of(bits)];
  if (slot.len == 0 || slot.bits != bits) {
    slot.len = static_cast<std::uint8_t>(json_number_text(v, slot.text));
    slot.bits = bits;
  }
  put(std::string_view(slot.text, slot.len));
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t v) {
  separate();
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  put(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  separate();
  put(v ? std::string_view("true") : std::string_view("false"));
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  put(std::string_view("null"));
  return *this;
}

}  // namespace spotstream
