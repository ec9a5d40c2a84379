#pragma once
// Internal to src/codec: the JSON flavour and dump settings every encoder shares. Include only
// from .cpp files (nlohmann is slow to compile).
#include <nlohmann/json.hpp>

#include <string>

namespace spotstream::codec_json {

// ordered_json keeps fields in the order we write them, so the output reads like the schemas and
// like AWS's own documents.
using Json = nlohmann::ordered_json;

// Input bytes (keys, payloads, details that quote them) may be invalid UTF-8: replace instead of
// throwing.
inline std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace spotstream::codec_json
