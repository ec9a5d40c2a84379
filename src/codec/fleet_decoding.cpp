// Fleet: canonical join/leave events.
#include "src/codec/decoding.hpp"

namespace spotstream::codec_detail {

namespace {

enum FleetKey {
  kTs, kAction, kFleet, kNodeId, kInstanceId, kAz, kRegion, kType, kProduct, kVcpu, kMemory, kArch,
  kFleetKeyCount
};
constexpr std::string_view kFleetKeys[] = {"ts",     "action",        "fleet",   "node_id", "instance_id", "az",
                                           "region", "instance_type", "product", "vcpu",    "memory_gib",  "arch"};
static_assert(std::size(kFleetKeys) == kFleetKeyCount);

}  // namespace

bool decode_fleet(Ctx& c, od::object& obj, std::vector<Event>& out) {
  Scalar f[kFleetKeyCount];
  bool any = false;
  const bool ok = for_each_field(c, obj, [&](std::string_view k, od::value& v) {
    const int i = find_key(k, kFleetKeys);
    auto e = i >= 0 ? read_scalar(v, f[i]) : consume_checked(v);
    any = any || i >= 0;
    return e ? c.malformed(e) : true;
  });
  if (!ok || !c.check_end()) return false;
  if (!any)
    return c.fail(dlq::kUnknownFormat, "no fleet event shape recognised: expected action, node_id, instance_id, ...");
  std::string_view action, fleet, node_id, instance_id, az, region, type, product, arch;
  TimestampMs ts = 0;
  if (!get_timestamp(c, f[kTs], "ts", true, ts) || !get_string(c, f[kAction], "action", true, action)) return false;
  FleetAction act;
  if (action == "join") act = FleetAction::Join;
  else if (action == "leave") act = FleetAction::Leave;
  else return c.fail(dlq::kBadValue, "field 'action' must be join or leave, got " + quote(action));
  const bool join = act == FleetAction::Join;
  double vcpu = 0, memory = 0;
  if (!get_nonempty_string(c, f[kFleet], "fleet", false, fleet) ||
      !get_nonempty_string(c, f[kNodeId], "node_id", true, node_id) ||
      !get_nonempty_string(c, f[kInstanceId], "instance_id", true, instance_id) ||
      !get_string(c, f[kAz], "az", join, az) || !get_string(c, f[kRegion], "region", false, region) ||
      !get_nonempty_string(c, f[kType], "instance_type", join, type) ||
      (!type.empty() && !check_instance_type(c, type, "instance_type")) ||
      !get_nonempty_string(c, f[kProduct], "product", false, product) ||
      !get_quantity(c, f[kVcpu], "vcpu", vcpu) || !get_quantity(c, f[kMemory], "memory_gib", memory) ||
      !get_nonempty_string(c, f[kArch], "arch", false, arch))
    return false;
  auto& e = std::get<FleetEvent>(out.emplace_back(std::in_place_type<FleetEvent>));
  if (!resolve_location(c, az, "az", region, "region", join, e.az, e.region)) {
    out.pop_back();
    return false;
  }
  e.action = act;
  e.ts = ts;
  e.fleet.assign(fleet.empty() ? std::string_view("default") : fleet);
  e.node_id.assign(node_id);
  e.instance_id.assign(instance_id);
  e.instance_type.assign(type);
  e.product.assign(product.empty() ? std::string_view("Linux/UNIX") : product);
  e.vcpu = vcpu;
  e.memory_gib = memory;
  e.arch.assign(arch);
  return true;
}

}  // namespace spotstream::codec_detail
