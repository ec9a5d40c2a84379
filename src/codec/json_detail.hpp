#pragma once
// Internal to src/codec: the JSON flavour and dump settings every encoder shares. Include only
// from .cpp files (nlohmann is slow to compile).
#include <nlohmann/json.hpp>

#include <limits>
#include <stdexcept>
#include <string>

namespace spotstream::codec_json {

// ordered_json keeps fields in the order we write them, so the output reads like the schemas and
// like AWS's own documents.
using Json = nlohmann::ordered_json;

// Input bytes (keys, payloads, details that quote them) may be invalid UTF-8: replace instead of
// throwing.
inline std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// An integer field read back from a record: nlohmann's get<int>() would cast a float such as 1e30
// (undefined behaviour) or wrap a value out of range. Throws std::out_of_range unless the value is
// an integer that T holds: not a nlohmann::json::exception, so a decoder that refuses a record on
// one must catch std::exception.
template <class T>
T integer_at(const Json& j, const char* key) {
  const Json& v = j.at(key);
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
        (i < 0 || static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
      return static_cast<T>(i);
  }
  throw std::out_of_range(std::string("'") + key + "' is not an integer in range");
}

}  // namespace spotstream::codec_json
