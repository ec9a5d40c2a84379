#include "operators/decision/candidate_filter.hpp"

#include <cctype>
#include <cmath>


namespace spotstream {

std::string architecture_of(std::string_view type) {
  const auto family = type.substr(0, type.find('.'));
  if (family == "a1") return "arm64";
  std::size_t i = 0;
  while (i < family.size() && !std::isdigit(static_cast<unsigned char>(family[i]))) ++i;
  while (i < family.size() && std::isdigit(static_cast<unsigned char>(family[i]))) ++i;
  return i < family.size() && family.substr(i).find('g') != std::string_view::npos ? "arm64" : "x86_64";
}

ScoringContext::Snapshot CandidateFilter::references() const {
  if (scoring_) return scoring_->snapshot();
  ScoringContext::Snapshot none;
  none.on_demand = OnDemandCatalog::builtin();
  return none;
}

std::optional<Hardware> CandidateFilter::hardware(std::string_view type) const { return hardware(type, references()); }

std::optional<Hardware> CandidateFilter::hardware(std::string_view type, const ScoringContext::Snapshot& refs) {
  if (refs.advisor)
    if (const auto m = refs.advisor->instance(type)) return Hardware{m->cores, m->ram_gb, architecture_of(type)};
  if (const auto* spec = refs.on_demand->find(type)) return Hardware{spec->vcpu, spec->memory_gib, spec->arch};
  return std::nullopt;
}

bool accelerated_family(std::string_view family) {
  // GPUs and other accelerators are part of what a node needs, and the type is all we know of them.
  auto starts = [&](std::string_view p) { return family.rfind(p, 0) == 0; };
  const bool digit_after = [&](std::size_t n) {
    return family.size() > n && std::isdigit(static_cast<unsigned char>(family[n]));
  }(1);
  return ((starts("p") || starts("g") || starts("f")) && digit_after) || starts("inf") || starts("trn") || starts("dl") ||
         starts("vt");
}

NodeNeeds CandidateFilter::needs_of(const FleetEvent& node) const {
  NodeNeeds n;
  n.region = node.region;
  n.az = node.az;
  n.instance_type = node.instance_type;
  n.product = node.product;
  n.family = node.instance_type.substr(0, node.instance_type.find('.'));
  n.vcpu = node.vcpu;
  n.memory_gib = node.memory_gib;
  n.arch = node.arch;
  return n;
}

PoolSet CandidateFilter::pools_of(std::vector<PoolRisk> pools) const {
  PoolSet set = view_of(pools);
  set.kept = std::move(pools);  // a vector's move keeps its elements where they are
  return set;
}

PoolSet CandidateFilter::view_of(std::span<const PoolRisk> pools) const {
  PoolSet set;
  set.refs = references();
  set.traits.reserve(pools.size());  // no reallocation: labels view the traits' architecture names
  const auto label = [&](std::string_view name) {
    return set.labels.try_emplace(name, static_cast<std::uint32_t>(set.labels.size())).first->second;
  };
  for (const auto& p : pools) {
    const auto family = std::string_view(p.instance_type).substr(0, p.instance_type.find('.'));
    auto& t = set.traits.emplace_back(PoolSet::Traits{hardware(p.instance_type, set.refs), accelerated_family(family)});
    t.product = label(p.product);
    t.region = label(p.region);
    t.az = label(p.az);
    t.type = label(p.instance_type);
    t.family = label(family);
    if (t.hardware) t.arch = label(t.hardware->arch);
  }
  set.pools = pools;
  return set;
}

bool CandidateFilter::references_unchanged(const ScoringContext::Snapshot& refs) const {
  const auto now = references();
  return now.advisor == refs.advisor && now.on_demand == refs.on_demand;
}

FilterResult CandidateFilter::compatible(const NodeNeeds& n, const PoolSet& set) const {
  FilterResult r;
  const auto own_spec = hardware(n.instance_type, set.refs);
  // Needs not given: what the own type offers (the node fits it by definition).
  const double need_vcpu = n.vcpu > 0 ? n.vcpu : own_spec ? own_spec->vcpu : 0;
  const double need_mem = n.memory_gib > 0 ? n.memory_gib : own_spec ? own_spec->memory_gib : 0;
  const std::string arch = !n.arch.empty() ? n.arch : own_spec ? own_spec->arch : architecture_of(n.instance_type);
  const bool needs_known = need_vcpu > 0 && need_mem > 0;
  const bool accelerated = accelerated_family(n.family);
  const std::uint32_t product = set.label_of(n.product), region = set.label_of(n.region), az = set.label_of(n.az),
                      type = set.label_of(n.instance_type), family = set.label_of(n.family),
                      arch_label = set.label_of(arch);
  r.others.reserve(set.pools.size());
  for (std::size_t i = 0; i < set.pools.size(); ++i) {
    const PoolRisk& p = set.pools[i];
    const PoolSet::Traits& traits = set.traits[i];
    // A warming score (window not yet full after a warm start) is no score, nor is a stale one (its
    // feed stalled: the price is not known now): nothing is decided on them.
    if (p.warming || p.stale || traits.product != product || traits.region != region || !(p.spot_price > 0)) continue;
    const bool own_type = traits.type == type;
    const bool same_az = traits.az == az;
    if (own_type && same_az) {
      r.own = Candidate{&p, 1, p.spot_price, 0, true};
      if (!std::isnan(p.on_demand_price)) r.own_on_demand_tco = p.on_demand_price;
      continue;
    }
    double units = 1;
    if (!own_type) {
      const auto& spec = traits.hardware;
      if (!spec || !needs_known || spec->vcpu < need_vcpu || spec->memory_gib < need_mem || traits.arch != arch_label) {
        ++r.incompatible;
        continue;
      }
      if ((accelerated || traits.accelerated) && traits.family != family) {
        ++r.incompatible;
        continue;
      }
      units = std::floor(std::min(spec->vcpu / need_vcpu, spec->memory_gib / need_mem));
    }
    if (p.band > s_.max_band) {
      ++r.band_rejected;
      continue;
    }
    r.others.push_back(Candidate{&p, units, p.spot_price, 0, same_az});
  }
  return r;
}

FilterResult CandidateFilter::operator()(const NodeNeeds& n, const PoolSet& pools) const {
  FilterResult r = compatible(n, pools);
  // Whole instances: a node on a larger size pays for all of it, whatever else the size could
  // hold. Such a size is admitted only when the whole instance costs no more than the node's own
  // pool (spot arbitrage: it happens), never for its price per needed unit (unknown own price:
  // larger sizes are not admitted).
  std::erase_if(r.others, [&](const Candidate& c) {
    const bool reject = c.units >= 2 && (!r.own || c.tco > r.own->tco);
    r.larger_not_cheaper += reject;
    return reject;
  });
  return r;
}

}  // namespace spotstream
