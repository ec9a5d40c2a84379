#pragma once
//! Static filter (decision layer 2): which pools of the node's region could host it. A candidate
//! runs the same product, is hardware-compatible (enough vCPU and memory for the node's needs, same
//! architecture, the same family for accelerated types), and its Spot Advisor band is at most max_band (">20%" rejected by default). A
//! node pays for the whole instance it runs on: a larger size (one that holds two or more of the
//! node's needs) is admitted only when the whole instance costs no more than the node's own pool.
//! Stateless; shared read-only.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "operators/decision/decision_settings.hpp"
#include "operators/decision/risk_table.hpp"
#include "src/model/scoring_context.hpp"
#include "src/model/spot_advisor.hpp"

namespace spotstream {

//! What a node needs and where it runs.
struct NodeNeeds {
  std::string region, az, instance_type, product, family;
  double vcpu = 0, memory_gib = 0;  //!< 0: what the node's own type offers
  std::string arch;                 //!< empty: the own type's architecture
};

//! A pool that could host the node, with what the node would pay there and (after ranking) its yield.
//! Refers to the pool's score where it was filtered from (a PoolSet's, or the scores a caller
//! passed): valid as long as they are. An instant filters and ranks every node of a fleet against
//! the same pools, so candidates are not copies of them.
struct Candidate {
  const PoolRisk* risk = nullptr;
  double units = 1;  //!< how many of the node's needs one instance holds (1 for the own pool)
  double tco = 0;    //!< the whole instance's spot price, USD/h: what one node pays there
  double yield = 0;  //!< 100 x (1 - tco/maxTCO) x (1 - p), less the other-AZ penalty
  bool same_az = true;
};

struct FilterResult {
  std::optional<Candidate> own;     //!< the node's own pool, when the table has it
  std::vector<Candidate> others;    //!< compatible candidates (own pool excluded), unranked
  double own_on_demand_tco = kAbsent;  //!< on-demand price of the own type, if known
  int incompatible = 0, band_rejected = 0, larger_not_cheaper = 0;
};

//! GPU, FPGA and other accelerated families (p3, g5, inf2, trn1, dl1, f1, vt1): their nodes are
//! only compatible with their own family (the accelerator is part of the need), and theirs with them.
bool accelerated_family(std::string_view family);

//! x86_64 or arm64 from the type name: Graviton families carry a 'g' after their generation digit
//! (m6g, c7gn, r8g, x2gd, im4gn, t4g, a1 is also arm64); everything else is x86_64 (g4dn, p3, ...).
std::string architecture_of(std::string_view instance_type);

//! What one instance of a type offers.
struct Hardware {
  double vcpu = 0, memory_gib = 0;
  std::string arch;
};

//! One region's pools at one time, with what the filter needs of each besides its score: the
//! hardware and family of its type, looked up once for every node filtered against them (an
//! instant evaluates a whole fleet against the same pools). Built by CandidateFilter::pools_of
//! (which keeps the scores) or view_of (the caller keeps them). Movable, not copyable: candidates
//! filtered from it refer to its scores.
struct PoolSet {
  static constexpr std::uint32_t kUnlabelled = std::numeric_limits<std::uint32_t>::max();
  struct Traits {
    std::optional<Hardware> hardware;  //!< none: no catalogue knows the type
    bool accelerated = false;          //!< accelerated_family() of its family
    //! Labels of its product, region, AZ, type, family and hardware architecture (label_of).
    std::uint32_t product = 0, region = 0, az = 0, type = 0, family = 0, arch = kUnlabelled;
  };
  //! The label of a product, region, AZ, type, family or architecture among the set's pools (kUnlabelled:
  //! none has it). Equal names have equal labels, so the filter compares numbers, once per pool
  //! for every node, instead of strings.
  std::uint32_t label_of(std::string_view name) const {
    const auto it = labels.find(name);
    return it == labels.end() ? kUnlabelled : it->second;
  }
  PoolSet() = default;
  PoolSet(PoolSet&&) noexcept = default;
  PoolSet& operator=(PoolSet&&) noexcept = default;
  PoolSet(const PoolSet&) = delete;
  PoolSet& operator=(const PoolSet&) = delete;

  std::vector<PoolRisk> kept;         //!< the scores, when the set keeps them (pools_of)
  std::span<const PoolRisk> pools;    //!< the scores filtered against
  std::vector<Traits> traits;         //!< one per pool, in the same order
  ScoringContext::Snapshot refs;      //!< the reference data the traits came from
  std::unordered_map<std::string_view, std::uint32_t> labels;  //!< views of the pools' and traits' names
};

class CandidateFilter {
 public:
  //! Hardware comes from the Spot Advisor data `scoring` holds now (its instance metadata: the
  //! same data the price shards score with, reloaded with it; `scoring` may be null), else from
  //! the on-demand catalogue it holds (src/model/on_demand_catalog.hpp); a type neither knows is never a
  //! candidate (only the node's own type, in other AZs, is known to be compatible).
  CandidateFilter(std::shared_ptr<const ScoringContext> scoring, DecisionSettings s)
      : scoring_(std::move(scoring)), s_(s) {}

  NodeNeeds needs_of(const FleetEvent& node) const;
  std::optional<Hardware> hardware(std::string_view instance_type) const;
  //! `pools`: the region's scores (any order), with their traits from the reference data now (one
  //! look for every filtering against them: a reload may come meanwhile).
  PoolSet pools_of(std::vector<PoolRisk> pools) const;
  //! The same over scores the caller keeps (as long as the set and its candidates are used).
  PoolSet view_of(std::span<const PoolRisk> pools) const;
  //! The reference data a set's traits came from is still what the filter holds (no reload since).
  bool references_unchanged(const ScoringContext::Snapshot& refs) const;
  FilterResult operator()(const NodeNeeds& n, const PoolSet& pools) const;
  //! Candidates refer to `pools`.
  FilterResult operator()(const NodeNeeds& n, const std::vector<PoolRisk>& pools) const {
    return (*this)(n, view_of(pools));
  }
  //! Scores that die with the call would leave the candidates pointing nowhere: keep them first.
  FilterResult operator()(const NodeNeeds& n, std::vector<PoolRisk>&& pools) const = delete;
  //! The same, larger sizes included whatever their price (`units` says how many of the node's
  //! needs one holds): what a consolidation plan may put several nodes on.
  FilterResult compatible(const NodeNeeds& n, const PoolSet& pools) const;

 private:
  //! The reference data now.
  ScoringContext::Snapshot references() const;
  static std::optional<Hardware> hardware(std::string_view instance_type, const ScoringContext::Snapshot& refs);
  std::shared_ptr<const ScoringContext> scoring_;
  DecisionSettings s_;
};

}  // namespace spotstream
