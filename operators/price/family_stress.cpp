#include "operators/price/family_stress.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "src/core/hash.hpp"

namespace spotstream {
namespace {

// Equality of the short names a tick carries (az, family, type, product: a dozen bytes), inline
// and a word at a time (overlapping words at the end): a libc memcmp call, or a byte loop, costs
// more than the comparison itself here.
template <class W>
[[gnu::always_inline]] inline W load(const char* p) {
  W w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

[[gnu::always_inline]] inline bool same(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char *x = a.data(), *y = b.data();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load<std::uint64_t>(x + i) != load<std::uint64_t>(y + i)) return false;
    return load<std::uint64_t>(x + n - 8) == load<std::uint64_t>(y + n - 8);
  }
  if (n >= 4)
    return load<std::uint32_t>(x) == load<std::uint32_t>(y) && load<std::uint32_t>(x + n - 4) == load<std::uint32_t>(y + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// Lengths and the 8 bytes at each end of the type (where a family's sizes differ): equal names
// always give equal fingerprints; a match is confirmed by comparing the names. Fixed-size loads:
// a variable-length memcpy is a libc call.
std::uint64_t fingerprint(std::string_view type, std::string_view product) {
  std::uint64_t head = 0, tail = 0;
  if (type.size() >= 8) {
    head = load<std::uint64_t>(type.data());
    tail = load<std::uint64_t>(type.data() + type.size() - 8);
  } else {
    for (std::size_t i = 0; i < type.size(); ++i) head |= std::uint64_t{static_cast<unsigned char>(type[i])} << (8 * i);
  }
  return head * 0x9E3779B97F4A7C15ULL ^ (tail + (type.size() << 16 | product.size())) * 0xC2B2AE3D27D4EB4FULL;
}

// Sum in the group's (sorted) order: the same pools always give the same bits. A member without a
// position holds 0.0, which changes neither the sum nor the max of non-negative positions, so the
// loop has no branch.
FamilyStress summarise(const FamilyStressState::Group& g) {
  FamilyStress s;
  s.pools = g.positioned;
  if (s.pools == 0) return s;
  double sum = 0, max = 0;
  for (const double p : g.positions) {
    sum += p;
    max = std::max(max, p);
  }
  s.mean = sum / static_cast<double>(s.pools);
  s.max = max;
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

namespace {
// A family (which holds no '.') is the family of `instance_type` (the part before its first '.'),
// decided without searching for the '.'.
bool family_of_type(std::string_view family, std::string_view instance_type) {
  return instance_type.size() >= family.size() && same(instance_type.substr(0, family.size()), family) &&
         (instance_type.size() == family.size() || instance_type[family.size()] == '.');
}
}  // namespace

template <class Match>
std::uint32_t FamilyStressState::find_group(std::uint64_t hash, Match match) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = hash & mask; index_[i].group != kNone; i = (i + 1) & mask) {
    if (index_[i].hash != hash) continue;
    for (std::uint32_t g = index_[i].group; g != kNone; g = groups_[g].next)
      if (match(groups_[g])) return g;
    return kNone;
  }
  return kNone;
}

FamilyStressState::Group& FamilyStressState::group(std::uint64_t hash, std::string_view az, std::string_view family) {
  if (Group* g = find_mutable(hash, az, family)) return *g;
  return add_group(head(hash), az, family);
}

FamilyStressState::Group* FamilyStressState::find_of_type(std::uint64_t hash, std::string_view az,
                                                          std::string_view instance_type) {
  const std::uint32_t g = find_group(hash, [&](const Group& x) { return family_of_type(x.family, instance_type) && same(x.az, az); });
  return g == kNone ? nullptr : &groups_[g];
}

FamilyStressState::Group& FamilyStressState::group_of_type(std::uint64_t hash, std::string_view az,
                                                           std::string_view instance_type) {
  if (Group* g = find_of_type(hash, az, instance_type)) return *g;
  return add_group(head(hash), az, instance_type.substr(0, instance_type.find('.')));
}

FamilyStressState::Group& FamilyStressState::add_group(std::uint32_t& first, std::string_view az, std::string_view family) {
  groups_.push_back(Group{std::string(az), std::string(family), {}, {}, {}, 0, first});
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

FamilyStressState::Group* FamilyStressState::find_mutable(std::uint64_t hash, std::string_view az, std::string_view family) {
  const std::uint32_t g = find_group(hash, [&](const Group& x) { return same(x.family, family) && same(x.az, az); });
  return g == kNone ? nullptr : &groups_[g];
}

const FamilyStressState::Group* FamilyStressState::find(std::uint64_t hash, std::string_view az,
                                                        std::string_view family) const {
  return const_cast<FamilyStressState*>(this)->find_mutable(hash, az, family);
}

std::size_t FamilyStressState::find_member(const Group& g, std::string_view instance_type, std::string_view product) {
  // A family has a handful of sizes: a scan beats any tree or hash here.
  const std::uint64_t fp = fingerprint(instance_type, product);
  for (std::size_t i = 0; i < g.members.size(); ++i)
    if (g.fingerprints[i] == fp && same(g.members[i].instance_type, instance_type) && same(g.members[i].product, product))
      return i;
  return g.members.size();
}

std::size_t FamilyStressState::member(Group& g, std::string_view instance_type, std::string_view product,
                                      std::uint32_t new_slot) {
  // Equality first: a new pool, which needs the ordered place, is rare.
  auto& ms = g.members;
  if (const std::size_t found = find_member(g, instance_type, product); found < ms.size()) return found;
  std::size_t i = 0;
  while (i < ms.size() && std::pair<std::string_view, std::string_view>(ms[i].instance_type, ms[i].product) <
                              std::pair(instance_type, product))
    ++i;
  const auto at = static_cast<std::ptrdiff_t>(i);
  g.fingerprints.insert(g.fingerprints.begin() + at, fingerprint(instance_type, product));
  g.positions.insert(g.positions.begin() + at, 0.0);
  ms.insert(ms.begin() + at, Member{std::string(instance_type), std::string(product), false, new_slot});
  return i;
}

FamilyStress FamilyStressOp::operator()(FamilyStressState::Group& g, std::size_t m, double position) const {
  if (!(position >= 0)) throw std::invalid_argument("family stress: a price_position is never negative or NaN");
  g.positions[m] = position;
  if (!g.members[m].has_position) {
    g.members[m].has_position = true;
    ++g.positioned;
  }
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
