#include "src/codec/json_writer.hpp"

#include <charconv>
#include <algorithm>
#include <cmath>

#include "src/codec/json_detail.hpp"

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

}  // namespace

JsonWriter::JsonWriter(std::size_t reserve) {
  buf_.resize(reserve);
  at_ = buf_.data();
  end_ = at_ + buf_.size();
}

void JsonWriter::grow(std::size_t more) {
  const std::size_t used = static_cast<std::size_t>(at_ - buf_.data());
  buf_.resize(std::max(buf_.size() * 2, used + more));
  at_ = buf_.data() + used;
  end_ = buf_.data() + buf_.size();
}

std::string JsonWriter::take() {
  buf_.resize(static_cast<std::size_t>(at_ - buf_.data()));
  std::string out = std::move(buf_);
  buf_.clear();
  at_ = end_ = buf_.data();
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

JsonWriter& JsonWriter::key(std::string_view k) {
  // keys are the encoders' own plain-ASCII names: nothing to escape; written in one go
  const std::size_t n = k.size() + 4;  // [,]"key":
  if (static_cast<std::size_t>(end_ - at_) < n) grow(n);
  if (need_comma_) *at_++ = ',';
  *at_++ = '"';
  std::memcpy(at_, k.data(), k.size());
  at_ += k.size();
  *at_++ = '"';
  *at_++ = ':';
  need_comma_ = false;  // the value follows the colon
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
  separate();
  // Plain printable ASCII, by far the common case (pool ids, AZs, labels), is copied as is;
  // anything else goes through nlohmann's escaping, so both encoders treat odd bytes alike.
  bool plain = true;
  for (const unsigned char c : v) plain &= c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (plain) {
    put('"');
    put(v);
    put('"');
  } else {
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
    const auto [end, ec] = std::to_chars(slot.text, slot.text + 24, v);
    std::size_t len = static_cast<std::size_t>(end - slot.text);
    // nlohmann keeps a whole double recognisable as a float: 3.0, not 3.
    if (std::string_view(slot.text, len).find_first_of(".e") == std::string_view::npos) {
      std::memcpy(slot.text + len, ".0", 2);
      len += 2;
    }
    slot.bits = bits;
    slot.len = static_cast<std::uint8_t>(len);
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
