#include "operators/family_stress.hpp"

#include <algorithm>

namespace spotstream {
namespace {

std::string_view family_of(std::string_view instance_type) {
  return instance_type.substr(0, instance_type.find('.'));
}

void group_key(std::string& out, std::string_view az, std::string_view family) {
  out.assign(az);
  out += '/';
  out += family;
}

// Sum in the group's (sorted) order: the same pools always give the same bits.
FamilyStress summarise(const FamilyStressState::Group& g) {
  FamilyStress s;
  if (g.pools.empty()) return s;
  double sum = 0;
  s.max = g.pools.front().second;
  for (const auto& [pool, position] : g.pools) {
    sum += position;
    s.max = std::max(s.max, position);
  }
  s.pools = static_cast<std::uint32_t>(g.pools.size());
  s.mean = sum / static_cast<double>(g.pools.size());
  return s;
}

}  // namespace

FamilyStress FamilyStressOp::operator()(FamilyStressState& state, std::string_view az, std::string_view instance_type,
                                        std::string_view product, double position) const {
  group_key(state.scratch, az, family_of(instance_type));
  auto& group = state.groups[state.scratch];
  state.scratch.assign(instance_type);
  state.scratch += '/';
  state.scratch += product;
  // A family has a handful of sizes: a sorted vector beats any tree or hash here.
  auto& pools = group.pools;
  auto it = std::lower_bound(pools.begin(), pools.end(), state.scratch,
                             [](const auto& p, const std::string& member) { return p.first < member; });
  if (it != pools.end() && it->first == state.scratch)
    it->second = position;
  else
    pools.emplace(it, state.scratch, position);
  return summarise(group);
}

FamilyStress FamilyStressOp::peek(const FamilyStressState& state, std::string_view az, std::string_view family) const {
  std::string key;
  group_key(key, az, family);
  const auto it = state.groups.find(key);
  return it == state.groups.end() ? FamilyStress{} : summarise(it->second);
}

}  // namespace spotstream
