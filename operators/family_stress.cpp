#include "operators/family_stress.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "src/core/hash.hpp"

namespace spotstream {
namespace {

// Equality of the short names a tick carries (az, family, type, product: a dozen bytes), inline:
// a libc memcmp call costs more than the comparison itself here.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Lengths and the 8 bytes at each end of the type (where a family's sizes differ): equal names
// always give equal fingerprints; a match is confirmed by comparing the names.
std::uint64_t fingerprint(std::string_view type, std::string_view product) {
  auto word = [](std::string_view s, std::size_t at) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + at, std::min<std::size_t>(8, s.size() - at));
    return w;
  };
  const std::uint64_t head = type.empty() ? 0 : word(type, 0);
  const std::uint64_t tail = type.size() > 8 ? word(type, type.size() - 8) : 0;
  return head * 0x9E3779B97F4A7C15ULL ^ (tail + (type.size() << 16 | product.size())) * 0xC2B2AE3D27D4EB4FULL;
}

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

std::uint32_t& FamilyStressState::head(std::uint64_t hash) {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask)
    if (index_[i].group == kNone || index_[i].hash == hash) {
      index_[i].hash = hash;
      return index_[i].group;
    }
}

FamilyStressState::Group& FamilyStressState::group(std::uint64_t hash, std::string_view az, std::string_view family) {
  std::uint32_t& first = head(hash);
  for (std::uint32_t i = first; i != kNone; i = groups_[i].next)
    if (same(groups_[i].family, family) && same(groups_[i].az, az)) return groups_[i];
  groups_.push_back(Group{std::string(az), std::string(family), {}, {}, first});
  first = static_cast<std::uint32_t>(groups_.size() - 1);
  if (first == kNone - 1) throw std::length_error("family stress: too many (az, family) groups");
  if (2 * groups_.size() > index_.size()) {  // keep probes short: rebuild at twice the size
    std::vector<Slot> old(index_.size() * 2);
    old.swap(index_);
    for (const Slot& s : old)
      if (s.group != kNone) head(s.hash) = s.group;
  }
  return groups_.back();
}

const FamilyStressState::Group* FamilyStressState::find(std::uint64_t hash, std::string_view az,
                                                        std::string_view family) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = hash & mask; index_[i].group != kNone; i = (i + 1) & mask) {
    if (index_[i].hash != hash) continue;
    for (std::uint32_t g = index_[i].group; g != kNone; g = groups_[g].next)
      if (same(groups_[g].family, family) && same(groups_[g].az, az)) return &groups_[g];
    return nullptr;
  }
  return nullptr;
}

std::size_t FamilyStressState::member(Group& g, std::string_view instance_type, std::string_view product,
                                      std::uint32_t new_slot) {
  // A family has a handful of sizes: a scan beats any tree or hash here. Equality first: a new
  // pool, which needs the ordered place, is rare.
  auto& ms = g.members;
  const std::uint64_t fp = fingerprint(instance_type, product);
  for (std::size_t i = 0; i < ms.size(); ++i)
    if (g.fingerprints[i] == fp && same(ms[i].instance_type, instance_type) && same(ms[i].product, product)) return i;
  std::size_t i = 0;
  while (i < ms.size() && std::pair<std::string_view, std::string_view>(ms[i].instance_type, ms[i].product) <
                              std::pair(instance_type, product))
    ++i;
  g.fingerprints.insert(g.fingerprints.begin() + static_cast<std::ptrdiff_t>(i), fp);
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
