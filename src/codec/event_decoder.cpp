#include "src/codec/event_decoder.hpp"

#include <cstring>
#include <exception>

#include "src/codec/decoding.hpp"

namespace spotstream {

using namespace codec_detail;

struct EventDecoder::Impl {
  DecodeLimits limits;
  od::parser parser;
  // Kafka hands us unpadded bytes; simdjson needs SIMDJSON_PADDING readable bytes past the end.
  // One buffer, grown as needed and reused: no allocation per message.
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;

  PoolTextMemo pools;

  bool decode(InputKind kind, std::string_view key, std::string_view value, std::vector<Event>& out, Ctx& c);
  // A plain canonical tick, by the memo or the scanner: true when decided (`decoded` says whether
  // the tick was appended or refused in `c`), false when the message is for simdjson's reader.
  bool decide_plain_tick(std::string_view value, std::vector<Event>& out, Ctx& c, bool& decoded);
};

bool EventDecoder::Impl::decide_plain_tick(std::string_view value, std::vector<Event>& out, Ctx& c, bool& decoded) {
  CanonicalTickParts parts;
  const bool split = split_canonical_tick(value, parts);
  PoolTextMemo::Pool pool;
  if (split && pools.find(parts.pool_text, pool)) {
    decoded = decode_remembered_tick(c, parts, pool, out);
    return true;
  }
  CanonicalTickFields fields;
  if (!scan_canonical_tick(value, fields)) return false;
  decoded = decode_scanned_tick(c, fields, out);
  if (!decoded) return true;
  // Only a text of nothing but pool fields: an on-demand price in it, with none after the spot
  // price, would make a tick with one there a duplicate key.
  constexpr auto kOnDemand = std::size(kCanonicalTickKeys) - 1;
  if (split && (parts.on_demand.kind != Scalar::Kind::Absent || fields[kOnDemand].kind == Scalar::Kind::Absent))
    pools.remember(parts.pool_text, std::get<PriceTick>(out.back()));
  return true;
}

EventDecoder::EventDecoder(DecodeLimits limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }
EventDecoder::~EventDecoder() = default;

bool EventDecoder::Impl::decode(InputKind kind, std::string_view key, std::string_view value,
                                std::vector<Event>& out, Ctx& c) {
  if (value.size() > limits.max_message_bytes)
    return c.fail(dlq::kOversize, "message is " + std::to_string(value.size()) + " bytes, over the limit of " +
                                      std::to_string(limits.max_message_bytes));
  if (value.empty()) return c.fail(dlq::kMalformedJson, "empty message");
  bool decoded = false;
  if (kind == InputKind::Prices && limits.scan_canonical_ticks && decide_plain_tick(value, out, c, decoded)) return decoded;
  const std::size_t needed = value.size() + simdjson::SIMDJSON_PADDING;
  if (needed > capacity) {
    capacity = std::max(needed, capacity * 2);
    buffer = std::make_unique<char[]>(capacity);
  }
  std::memcpy(buffer.get(), value.data(), value.size());
  std::memset(buffer.get() + value.size(), 0, simdjson::SIMDJSON_PADDING);

  od::document doc;
  if (auto e = parser.iterate(buffer.get(), value.size(), capacity).get(doc)) return c.malformed(e);
  od::json_type t;
  if (auto e = doc.type().get(t)) return c.malformed(e);
  if (t != od::json_type::object) {
    static constexpr const char* kNames[] = {"?", "an array", "an object", "a number", "a string", "a boolean", "null"};
    const auto i = static_cast<std::size_t>(t);
    return c.fail(dlq::kMalformedJson, std::string("top-level JSON value must be an object, got ") +
                                           (i < std::size(kNames) ? kNames[i] : "?"));
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return c.malformed(e);
  c.doc = &doc;
  bool ok = false;
  switch (kind) {
    case InputKind::Prices: ok = decode_prices(c, obj, out); break;
    case InputKind::Signals: ok = decode_signal(c, obj, key, out); break;
    case InputKind::Fleet: ok = decode_fleet(c, obj, out); break;
  }
  c.doc = nullptr;
  return ok;
}

bool EventDecoder::decode(InputKind kind, std::string_view key, std::string_view value, std::vector<Event>& out,
                          DecodeError& error) {
  const std::size_t before = out.size();
  Ctx c{impl_->limits, error, {}};
  bool ok = false;
  try {
    ok = impl_->decode(kind, key, value, out, c);
  } catch (const std::exception& e) {
    // Only allocation failures can get here (simdjson runs without exceptions on this path); the
    // message still goes to the DLQ instead of taking the source thread down.
    ok = c.fail(dlq::kMalformedJson, std::string("decoder failure: ") + e.what());
  } catch (...) {
    ok = c.fail(dlq::kMalformedJson, "decoder failure");
  }
  if (!ok) out.erase(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
  return ok;
}

}  // namespace spotstream
