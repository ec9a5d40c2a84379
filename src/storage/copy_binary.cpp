#include "src/storage/copy_binary.hpp"

#include <bit>
#include <cstring>

namespace spotstream {

namespace {

// PostgreSQL's timestamp epoch is 2000-01-01T00:00:00Z; binary timestamps are microseconds from it.
constexpr std::int64_t kPgEpochMs = 946684800000LL;

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid (overlong,
// surrogate, above U+10FFFF, truncated) or a NUL byte.
std::size_t utf8_seq(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  const std::size_t left = s.size() - i;
  auto cont = [&](std::size_t k) { return k < left && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;
    if (c == 0xF4 && b(1) > 0x8F) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

bool pg_text_ok(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto n = utf8_seq(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void CopyBinaryWriter::clear() {
  buf_.assign("PGCOPY\n\377\r\n\0", 11);
  raw_be(0, 4);  // flags
  raw_be(0, 4);  // header extension length
  rows_ = 0;
  finished_ = false;
}

void CopyBinaryWriter::raw_be(std::uint64_t v, int bytes) {
  char tmp[8];
  for (int k = bytes - 1; k >= 0; --k) {
    tmp[k] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  buf_.append(tmp, static_cast<std::size_t>(bytes));
}

void CopyBinaryWriter::begin_row(std::int16_t fields) {
  raw_be(static_cast<std::uint16_t>(fields), 2);
  ++rows_;
}

void CopyBinaryWriter::null() { raw_be(0xFFFFFFFFu, 4); }

void CopyBinaryWriter::int2(std::int16_t v) {
  raw_be(2, 4);
  raw_be(static_cast<std::uint16_t>(v), 2);
}

void CopyBinaryWriter::int4(std::int32_t v) {
  raw_be(4, 4);
  raw_be(static_cast<std::uint32_t>(v), 4);
}

void CopyBinaryWriter::int8(std::int64_t v) {
  raw_be(8, 4);
  raw_be(static_cast<std::uint64_t>(v), 8);
}

void CopyBinaryWriter::float8(double v) {
  raw_be(8, 4);
  raw_be(std::bit_cast<std::uint64_t>(v), 8);
}

void CopyBinaryWriter::boolean(bool v) {
  raw_be(1, 4);
  buf_.push_back(v ? 1 : 0);
}

void CopyBinaryWriter::timestamptz_ms(TimestampMs ms) { int8((ms - kPgEpochMs) * 1000); }

void CopyBinaryWriter::utf8(std::string_view s) {
  // Fast path: all printable ASCII (the common case) is copied as is.
  std::size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) - 1u < 0x7Fu) ++i;
  buf_.append(s.data(), i);
  while (i < s.size()) {
    const auto n = utf8_seq(s, i);
    if (n == 0) {
      buf_.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      buf_.append(s.data() + i, n);
      i += n;
    }
  }
}

void CopyBinaryWriter::text(std::string_view s) {
  const auto len_at = buf_.size();
  raw_be(0, 4);
  utf8(s);
  const auto len = static_cast<std::uint32_t>(buf_.size() - len_at - 4);
  for (int k = 0; k < 4; ++k) buf_[len_at + static_cast<std::size_t>(k)] = static_cast<char>(len >> (24 - 8 * k));
}

void CopyBinaryWriter::text_or_null(std::string_view s) {
  if (s.empty()) null();
  else text(s);
}

void CopyBinaryWriter::json(std::string_view json) {
  const auto len_at = buf_.size();
  raw_be(0, 4);
  // ->> and every jsonb cast refuse the escape \u0000 (text cannot hold NUL): write U+FFFD
  // instead. Escapes are walked pairwise so an escaped backslash followed by "u0000" is left alone.
  std::size_t from = 0;
  for (std::size_t i = 0; i + 1 < json.size(); ++i) {
    if (json[i] != '\\') continue;
    if (json.compare(i + 1, 5, "u0000") == 0) {
      utf8(json.substr(from, i - from));
      buf_.append("\\ufffd");
      from = i + 6;
      i += 5;
    } else {
      ++i;  // skip the escaped character
    }
  }
  utf8(json.substr(from));
  const auto len = static_cast<std::uint32_t>(buf_.size() - len_at - 4);
  for (int k = 0; k < 4; ++k) buf_[len_at + static_cast<std::size_t>(k)] = static_cast<char>(len >> (24 - 8 * k));
}

void CopyBinaryWriter::bytea(std::string_view bytes) {
  raw_be(static_cast<std::uint32_t>(bytes.size()), 4);
  buf_.append(bytes.data(), bytes.size());
}

std::string_view CopyBinaryWriter::finish() {
  if (!finished_) raw_be(0xFFFF, 2);  // trailer: field count -1
  finished_ = true;
  return buf_;
}

}  // namespace spotstream
