#include "operators/family_stress.hpp"

#include <algorithm>
#include <utility>

#include "src/core/hash.hpp"

namespace spotstream {
namespace {

// Sum in the group's (sorted) order: the same pools always give the same bits.
FamilyStress summarise(const FamilyStressState::Group& g) {
  FamilyStress s;
  double sum = 0;
  for (const auto& m : g.members) {
    if (!m.has_position) continue;
    s.max = s.pools == 0 ? m.position : std::max(s.max, m.position);
    sum += m.position;
    ++s.pools;
  }
  if (s.pools > 0) s.mean = sum / static_cast<double>(s.pools);
  return s;
}

}  // namespace

FamilyStressState::Group& FamilyStressState::group(std::uint64_t hash, std::string_view az, std::string_view family) {
  auto [it, fresh] = index_.try_emplace(hash, kNone);
  for (std::uint32_t i = it->second; i != kNone; i = groups_[i].next)
    if (groups_[i].family == family && groups_[i].az == az) return groups_[i];
  groups_.push_back(Group{std::string(az), std::string(family), {}, it->second});
  it->second = static_cast<std::uint32_t>(groups_.size() - 1);
  return groups_.back();
}

const FamilyStressState::Group* FamilyStressState::find(std::uint64_t hash, std::string_view az,
                                                        std::string_view family) const {
  const auto it = index_.find(hash);
  if (it == index_.end()) return nullptr;
  for (std::uint32_t i = it->second; i != kNone; i = groups_[i].next)
    if (groups_[i].family == family && groups_[i].az == az) return &groups_[i];
  return nullptr;
}

std::size_t FamilyStressState::member(Group& g, std::string_view instance_type, std::string_view product,
                                      std::uint32_t new_slot) {
  // A family has a handful of sizes: a scan beats any tree or hash here. Equality first (sizes
  // before bytes): a new pool, which needs the ordered place, is rare.
  auto& ms = g.members;
  for (std::size_t i = 0; i < ms.size(); ++i)
    if (ms[i].instance_type.size() == instance_type.size() && ms[i].product.size() == product.size() &&
        ms[i].instance_type == instance_type && ms[i].product == product)
      return i;
  std::size_t i = 0;
  while (i < ms.size() && std::pair<std::string_view, std::string_view>(ms[i].instance_type, ms[i].product) <
                              std::pair(instance_type, product))
    ++i;
  ms.insert(ms.begin() + static_cast<std::ptrdiff_t>(i),
            Member{std::string(instance_type), std::string(product), 0, false, new_slot});
  return i;
}

FamilyStress FamilyStressOp::operator()(FamilyStressState::Group& g, std::size_t m, double position) const {
  g.members[m].position = position;
  g.members[m].has_position = true;
  return summarise(g);
}

FamilyStress FamilyStressOp::operator()(FamilyStressState& state, std::string_view az, std::string_view instance_type,
                                        std::string_view product, double position) const {
  const std::string_view family = instance_type.substr(0, instance_type.find('.'));
  auto& g = state.group(family_key_hash(az, family), az, family);
  return (*this)(g, FamilyStressState::member(g, instance_type, product, 0), position);
}

FamilyStress FamilyStressOp::peek(const FamilyStressState& state, std::string_view az, std::string_view family) const {
  const auto* g = state.find(family_key_hash(az, family), az, family);
  return g == nullptr ? FamilyStress{} : summarise(*g);
}

}  // namespace spotstream
