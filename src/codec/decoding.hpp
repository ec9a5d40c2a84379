#pragma once
// Internal to src/codec: the pieces EventDecoder's per-input decoders share. Includes simdjson, so
// only the decoder's .cpp files include it.
#include <simdjson.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/event_decoder.hpp"
#include "src/codec/pool_text_memo.hpp"

namespace spotstream::codec_detail {

namespace od = simdjson::ondemand;

// One JSON value read out of the document. Strings point into the parser's buffer, valid until the
// next message is parsed.
struct Scalar {
  enum class Kind : std::uint8_t { Absent, Null, String, Int, Double, Bool, Object, Array };
  Kind kind = Kind::Absent;
  std::string_view str;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;

  bool present() const { return kind != Kind::Absent && kind != Kind::Null; }
};

const char* type_name(Scalar::Kind k);

// Where errors go, plus a prefix naming the item being decoded ("SpotPriceHistory[3]: ").
struct Ctx {
  const DecodeLimits& limits;
  DecodeError& error;
  std::string where;
  od::document* doc = nullptr;  // for check_end; null in item contexts

  bool fail(const char* reason, std::string detail) {
    error.reason = reason;
    error.detail = where + std::move(detail);
    return false;
  }
  bool malformed(simdjson::error_code e);
  // Call after reading the whole root object and before judging its values: malformed JSON
  // (here: trailing content) outranks every other reason.
  bool check_end();
};

// A value for people to read in an error detail: quoted, shortened, non-printables escaped.
std::string quote(std::string_view s);

// Values are passed by reference throughout: copying an od::value costs a store-forwarding stall
// (measured: passing them by reference cut a canonical tick from 460 to 350 ns).
// Reads any value into `s`; objects and arrays are consumed (validated) and only their kind kept.
simdjson::error_code read_scalar(od::value& v, Scalar& s);
// simdjson 3.0.1 (Debian 12) reads a number of more than 19 significant digits wrongly
// ("0.34050000000000000000" as 0, or as 0.156 through get_double). Non-integers are therefore
// read from the token with std::from_chars, which rounds correctly (and so agrees with simdjson on
// every number simdjson reads right); simdjson still checks the token is a JSON number.
simdjson::error_code double_from_token(std::string_view token, double& out);
simdjson::error_code read_double(od::value& v, double& out);
// Consumes a value we have no use for, checking that it is well-formed JSON. simdjson's on-demand
// API would otherwise skip it unchecked, so `{"x": tru}` would pass.
simdjson::error_code consume_checked(od::value& v, int depth = 0);

// Calls on_field(key, value) for every field; on_field returns false after setting an error.
template <class F>
bool for_each_field(Ctx& c, od::object& obj, F&& on_field) {
  for (auto res : obj) {
    if (auto e = res.error()) return c.malformed(e);
    od::field& f = res.value_unsafe();  // by reference: see read_scalar on copies
    std::string_view key;
    if (auto e = f.unescaped_key().get(key)) return c.malformed(e);
    if (!on_field(key, f.value())) return false;
  }
  return true;
}

// Index of `key` in `keys`, or -1.
template <std::size_t N>
int find_key(std::string_view key, const std::string_view (&keys)[N]) {
  if (key.empty()) return -1;
  for (std::size_t i = 0; i < N; ++i)
    if (keys[i].size() == key.size() && keys[i][0] == key[0] && keys[i] == key) return static_cast<int>(i);
  return -1;
}

// Field accessors. Each returns false after filling the error; absent or null optional fields
// leave the output at its empty/zero value (prices: NaN) and return true.
bool get_string(Ctx& c, const Scalar& s, const char* name, bool required, std::string_view& out);
bool get_nonempty_string(Ctx& c, const Scalar& s, const char* name, bool required, std::string_view& out);
bool get_timestamp(Ctx& c, const Scalar& s, const char* name, bool required, TimestampMs& out);
bool get_price(Ctx& c, const Scalar& s, const char* name, bool required, double& out);
bool get_quantity(Ctx& c, const Scalar& s, const char* name, double& out);

// The event's AZ and region: az checked against the known shapes, region checked and required to
// agree with the AZ's; region derived from the AZ when absent. Empty az is allowed when !az_required.
bool resolve_location(Ctx& c, std::string_view az, const char* az_name, std::string_view region,
                      const char* region_name, bool az_required, std::string& az_out, std::string& region_out);
bool check_instance_type(Ctx& c, std::string_view type, const char* name);
// terminate / stop / hibernate (and "none" when allow_none).
bool parse_action(Ctx& c, std::string_view v, const char* name, bool allow_none, InstanceAction& out);

// Event times must lie in [1970, 2100): the upper bound catches microseconds or nanoseconds sent
// where milliseconds belong. (1970 itself is legal: AWS's own sample ITN is dated 1970-01-01.)
inline constexpr TimestampMs kMaxTimestampMs = 4102444800000;  // 2100-01-01T00:00:00Z

// The canonical tick's fields, in the order price_decoding.cpp's keys start with.
inline constexpr std::string_view kCanonicalTickKeys[] = {
    "ts", "region", "az", "instance_type", "product", "spot_price", "on_demand_price"};
using CanonicalTickFields = Scalar[std::size(kCanonicalTickKeys)];
// Reads a flat canonical tick of plain ASCII strings and numbers into `fields` exactly as the
// general reader would; false for any other message (nothing decided: decode it the general way).
bool scan_canonical_tick(std::string_view msg, CanonicalTickFields& fields);
// Validates the fields scan_canonical_tick read and appends the tick, as decode_prices would.
bool decode_scanned_tick(Ctx& c, const CanonicalTickFields& fields, std::vector<Event>& out);

// A compact canonical tick, {"ts":"<time>"<pool text>"spot_price":<n>[,"on_demand_price":<n>]},
// split into its time and prices (read as scan_canonical_tick reads them) and the text between.
struct CanonicalTickParts {
  Scalar ts, spot, on_demand;
  std::string_view pool_text;  //!< `,"region":...,"product":"Linux/UNIX",`
};
// False for any other shape (nothing decided).
bool split_canonical_tick(std::string_view msg, CanonicalTickParts& parts);
// Appends the tick of `parts` in the pool its text was remembered with (PoolTextMemo), checking
// what is left to check (the time and the prices) as decode_scanned_tick would.
bool decode_remembered_tick(Ctx& c, const CanonicalTickParts& parts, const PoolTextMemo::Pool& pool,
                            std::vector<Event>& out);

// The per-input decoders. They append to `out`; the caller rolls `out` back on failure.
bool decode_prices(Ctx& c, od::object& obj, std::vector<Event>& out);
bool decode_signal(Ctx& c, od::object& obj, std::string_view key, std::vector<Event>& out);
bool decode_fleet(Ctx& c, od::object& obj, std::vector<Event>& out);

}  // namespace spotstream::codec_detail
