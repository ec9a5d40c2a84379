#pragma once
//! A minimal JSON text writer for records encoded once per output on the hot path (spot.risk):
//! appends straight to a string, no document tree. Numbers in their shortest round-trip form, with
//! ".0" on whole numbers as nlohmann writes them, NaN and infinities as null; strings escaped and
//! invalid UTF-8 replaced by U+FFFD exactly as the nlohmann encoders do. Commas are placed by the
//! writer.
//! Not thread-safe; one writer per record being written.
#include <cstdint>
#include <string>
#include <string_view>

namespace spotstream {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  //! The key of the next member of the current object: plain ASCII, written as given (the
  //! encoders' own field names).
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& number(double v);  //!< null when not finite
  JsonWriter& integer(std::int64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();

 private:
  void separate();
  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace spotstream
