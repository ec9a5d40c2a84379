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
constexpr int kFirstAwsKey = kAwsTs;

struct PriceFields {
  Scalar f[kPriceKeyCount];
  bool any(int from, int to) const {
    for (int i = from; i < to; ++i)
      if (f[i].kind != Scalar::Kind::Absent) return true;
    return false;
  }
};

// Validates the collected fields of one tick and appends it.
bool build_tick(Ctx& c, const PriceFields& p, bool aws, std::vector<Event>& out) {
  const auto& f = p.f;
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
  return true;
}

// One object of price fields. `history` is set when it holds a SpotPriceHistory array, which is
// decoded on the spot (on-demand parsing reads forward only) into `out`.
bool read_price_object(Ctx& c, od::object& obj, bool top_level, PriceFields& p, bool& history,
                       std::vector<Event>& out) {
  return for_each_field(c, obj, [&](std::string_view key, od::value v) {
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
    if (t != od::json_type::array)
      return c.fail(dlq::kWrongType, "field 'SpotPriceHistory' must be an array");
    od::array items;
    if (auto e = v.get_array().get(items)) return c.malformed(e);
    std::size_t index = 0;
    for (auto res : items) {
      od::value item;
      if (auto e = std::move(res).get(item)) return c.malformed(e);
      Ctx ic{c.limits, c.error, "SpotPriceHistory[" + std::to_string(index) + "]: "};
      od::json_type it;
      if (auto e = item.type().get(it)) return c.malformed(e);
      if (it != od::json_type::object) return ic.fail(dlq::kWrongType, "item must be an object");
      od::object item_obj;
      if (auto e = item.get_object().get(item_obj)) return c.malformed(e);
      PriceFields ip;
      bool nested = false;
      if (!read_price_object(ic, item_obj, false, ip, nested, out)) return false;
      if (ip.any(0, kFirstAwsKey))
        return ic.fail(dlq::kUnknownFormat, "item has canonical fields; SpotPriceHistory holds AWS items only");
      if (!ip.any(kFirstAwsKey, kPriceKeyCount))
        return ic.fail(dlq::kUnknownFormat, "item has none of the describe-spot-price-history fields");
      if (!build_tick(ic, ip, true, out)) return false;
      ++index;
    }
    return true;
  });
}

}  // namespace

bool decode_prices(Ctx& c, od::object& obj, std::vector<Event>& out) {
  PriceFields p;
  bool history = false;
  if (!read_price_object(c, obj, true, p, history, out)) return false;
  const bool canonical = p.any(0, kFirstAwsKey), aws = p.any(kFirstAwsKey, kPriceKeyCount);
  if (history) {
    if (canonical || aws)
      return c.fail(dlq::kUnknownFormat, "a describe-spot-price-history response must not carry tick fields beside SpotPriceHistory");
    return true;
  }
  if (canonical && aws)
    return c.fail(dlq::kUnknownFormat, "object mixes canonical tick fields and describe-spot-price-history fields");
  if (!canonical && !aws)
    return c.fail(dlq::kUnknownFormat, "no price shape recognised: expected a canonical tick (spot_price, az, ...), "
                                        "a describe-spot-price-history item (SpotPrice, AvailabilityZone, ...) or a "
                                        "response with SpotPriceHistory");
  return build_tick(c, p, aws, out);
}

}  // namespace spotstream::codec_detail
