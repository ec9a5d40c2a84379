// Prices: canonical ticks, describe-spot-price-history items and whole CLI responses.
#include "src/codec/decoding.hpp"

namespace spotstream::codec_detail {

namespace {

enum PriceKey {
  kTs, kRegion, kAz, kType, kProduct, kSpot, kOnDemand,                // canonical
  kAwsTs, kAwsAz, kAwsType, kAwsProduct, kAwsSpot,                     // AWS item
  kPriceKeyCount
};
constexpr std::string_view kPriceKeys[] = {
    "ts", "region", "az", "instance_type", "product", "spot_price", "on_demand_price",
    "Timestamp", "AvailabilityZone", "InstanceType", "ProductDescription", "SpotPrice",
};
static_assert(std::size(kPriceKeys) == kPriceKeyCount);
constexpr bool canonical_keys_lead() {
  for (std::size_t i = 0; i < std::size(kCanonicalTickKeys); ++i)
    if (kPriceKeys[i] != kCanonicalTickKeys[i]) return false;
  return std::size(kCanonicalTickKeys) == kAwsTs;
}
static_assert(canonical_keys_lead());
constexpr int kFirstAwsKey = kAwsTs;

struct PriceFields {
  Scalar f[kPriceKeyCount];
  bool not_object = false;         // an array item that is not an object
  bool history_not_array = false;  // SpotPriceHistory is there but is not an array
  bool any(int from, int to) const {
    for (int i = from; i < to; ++i)
      if (f[i].kind != Scalar::Kind::Absent) return true;
    return false;
  }
};

// Validates the collected fields of one tick and appends it. `f` is indexed by PriceKey; a
// canonical tick's fields (!aws) may come from an array of only the canonical keys.
bool build_tick(Ctx& c, const Scalar* f, bool aws, std::vector<Event>& out) {
  std::string_view az, type, product, region;
  TimestampMs ts = 0;
  double spot = 0, on_demand = std::numeric_limits<double>::quiet_NaN();
  if (aws) {
    if (!get_timestamp(c, f[kAwsTs], "Timestamp", true, ts) ||
        !get_string(c, f[kAwsAz], "AvailabilityZone", true, az) ||
        !get_nonempty_string(c, f[kAwsType], "InstanceType", true, type) ||
        !get_nonempty_string(c, f[kAwsProduct], "ProductDescription", true, product) ||
        !get_price(c, f[kAwsSpot], "SpotPrice", true, spot) || !check_instance_type(c, type, "InstanceType"))
      return false;
  } else {
    if (!get_timestamp(c, f[kTs], "ts", true, ts) || !get_string(c, f[kAz], "az", true, az) ||
        !get_string(c, f[kRegion], "region", false, region) ||
        !get_nonempty_string(c, f[kType], "instance_type", true, type) ||
        !get_nonempty_string(c, f[kProduct], "product", true, product) ||
        !get_price(c, f[kSpot], "spot_price", true, spot) ||
        !get_price(c, f[kOnDemand], "on_demand_price", false, on_demand) ||
        !check_instance_type(c, type, "instance_type"))
      return false;
  }
  auto& t = std::get<PriceTick>(out.emplace_back(std::in_place_type<PriceTick>));
  if (!resolve_location(c, az, aws ? "AvailabilityZone" : "az", region, "region", true, t.az, t.region)) {
    out.pop_back();
    return false;
  }
  t.ts = ts;
  t.instance_type.assign(type);
  t.product.assign(product);
  t.spot_price = spot;
  t.on_demand_price = on_demand;
  t.key_hash = t.routing_hash();
  return true;
}

// The fields of one object, read forward (on-demand parsing cannot go back). At the top level a
// SpotPriceHistory array's items are read into `items`; they are judged only once the whole
// document is known to be well-formed.
bool read_price_object(Ctx& c, od::object& obj, bool top_level, PriceFields& p, bool& history,
                       std::vector<PriceFields>& items) {
  return for_each_field(c, obj, [&](std::string_view key, od::value& v) {
    const int k = find_key(key, kPriceKeys);
    if (k >= 0) {
      if (auto e = read_scalar(v, p.f[k])) return c.malformed(e);
      return true;
    }
    if (!top_level || key != "SpotPriceHistory") {
      if (auto e = consume_checked(v)) return c.malformed(e);
      return true;
    }
    history = true;
    od::json_type t;
    if (auto e = v.type().get(t)) return c.malformed(e);
    if (t != od::json_type::array) {
      Scalar ignored;
      if (auto e = read_scalar(v, ignored)) return c.malformed(e);
      p.history_not_array = true;
      return true;
    }
    od::array arr;
    if (auto e = v.get_array().get(arr)) return c.malformed(e);
    for (auto res : arr) {
      if (auto e = res.error()) return c.malformed(e);
      od::value& item = res.value_unsafe();
      auto& ip = items.emplace_back();
      od::json_type it;
      if (auto e = item.type().get(it)) return c.malformed(e);
      if (it != od::json_type::object) {
        ip.not_object = true;
        if (auto e = consume_checked(item)) return c.malformed(e);
        continue;
      }
      od::object item_obj;
      if (auto e = item.get_object().get(item_obj)) return c.malformed(e);
      bool nested = false;
      std::vector<PriceFields> none;
      if (!read_price_object(c, item_obj, false, ip, nested, none)) return false;
    }
    return true;
  });
}

}  // namespace

bool decode_scanned_tick(Ctx& c, const CanonicalTickFields& fields, std::vector<Event>& out) {
  return build_tick(c, fields, false, out);
}

bool decode_remembered_tick(Ctx& c, const CanonicalTickParts& parts, const PoolTextMemo::Pool& pool,
                            std::vector<Event>& out) {
  // The pool's fields passed build_tick's checks when its text was remembered, and none of those
  // checks looks at another field: the first to fail can only be one of these, in build_tick's order.
  TimestampMs ts = 0;
  double spot = 0, on_demand = std::numeric_limits<double>::quiet_NaN();
  if (!get_timestamp(c, parts.ts, "ts", true, ts) || !get_price(c, parts.spot, "spot_price", true, spot) ||
      !get_price(c, parts.on_demand, "on_demand_price", false, on_demand))
    return false;
  auto& t = std::get<PriceTick>(out.emplace_back(std::in_place_type<PriceTick>));
  t.ts = ts;
  t.region.assign(pool.region);
  t.az.assign(pool.az);
  t.instance_type.assign(pool.instance_type);
  t.product.assign(pool.product);
  t.spot_price = spot;
  t.on_demand_price = on_demand;
  t.key_hash = pool.key_hash;
  return true;
}

bool decode_prices(Ctx& c, od::object& obj, std::vector<Event>& out) {
  PriceFields p;
  bool history = false;
  std::vector<PriceFields> items;
  if (!read_price_object(c, obj, true, p, history, items) || !c.check_end()) return false;
  const bool canonical = p.any(0, kFirstAwsKey), aws = p.any(kFirstAwsKey, kPriceKeyCount);
  if (history) {
    if (p.history_not_array) return c.fail(dlq::kWrongType, "field 'SpotPriceHistory' must be an array");
    if (canonical || aws)
      return c.fail(dlq::kUnknownFormat, "a describe-spot-price-history response must not carry tick fields beside SpotPriceHistory");
    for (std::size_t i = 0; i < items.size(); ++i) {
      Ctx ic{c.limits, c.error, "SpotPriceHistory[" + std::to_string(i) + "]: "};
      const auto& ip = items[i];
      if (ip.not_object) return ic.fail(dlq::kWrongType, "item must be an object");
      if (ip.any(0, kFirstAwsKey))
        return ic.fail(dlq::kUnknownFormat, "item has canonical fields; SpotPriceHistory holds AWS items only");
      if (!ip.any(kFirstAwsKey, kPriceKeyCount))
        return ic.fail(dlq::kUnknownFormat, "item has none of the describe-spot-price-history fields");
      if (!build_tick(ic, ip.f, true, out)) return false;
    }
    return true;
  }
  if (canonical && aws)
    return c.fail(dlq::kUnknownFormat, "object mixes canonical tick fields and describe-spot-price-history fields");
  if (!canonical && !aws)
    return c.fail(dlq::kUnknownFormat, "no price shape recognised: expected a canonical tick (spot_price, az, ...), "
                                        "a describe-spot-price-history item (SpotPrice, AvailabilityZone, ...) or a "
                                        "response with SpotPriceHistory");
  return build_tick(c, p.f, aws, out);
}

}  // namespace spotstream::codec_detail
