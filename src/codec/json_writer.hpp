#pragma once
//! A minimal JSON text writer for records encoded once per output on the hot path (spot.risk):
//! writes straight into a scratch buffer (take() copies the text out at its exact size), no
//! document tree. Numbers in their shortest round-trip form, with ".0" on whole numbers as nlohmann
//! writes them, NaN and infinities as null; strings escaped and invalid UTF-8 replaced by U+FFFD
//! exactly as the nlohmann encoders do. Commas are placed by the writer.
//! Not thread-safe; one writer per record being written.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace spotstream {

//! A finite double as JsonWriter writes it: std::to_chars's shortest form, with ".0" on whole
//! numbers. `out` has room for 26 characters; returns the length written.
std::size_t json_number_text(double v, char* out);

class JsonWriter {
 public:
  //! `reserve`: the bytes a typical record takes (the buffer grows past it as needed).
  explicit JsonWriter(std::size_t reserve = 256);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  //! The key of the next member of the current object: plain ASCII, written as given (the
  //! encoders' own field names). Inline, so a literal key's copy is a few fixed-size moves.
  JsonWriter& key(std::string_view k) {
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
  JsonWriter& string(std::string_view v);
  JsonWriter& number(double v);  //!< null when not finite
  JsonWriter& integer(std::int64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();

  //! The text written so far, in a string of its own size; the writer is empty afterwards.
  std::string take();

 private:
  void separate() {
    if (need_comma_) put(',');
    need_comma_ = true;
  }
  void put(char c) {
    if (at_ == end_) grow(1);
    *at_++ = c;
  }
  void put(std::string_view s) {
    if (static_cast<std::size_t>(end_ - at_) < s.size()) grow(s.size());
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  void grow(std::size_t more);

  //! Scratch, sized to its capacity, [data, at_) written: taken from the thread's spare buffers and
  //! given back at destruction, so a writer neither zero-fills nor faults in fresh memory per record.
  std::string buf_;
  char* at_ = nullptr;
  char* end_ = nullptr;
  bool need_comma_ = false;
};

}  // namespace spotstream
