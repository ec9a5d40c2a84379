#pragma once
//! Safety gate and ranking (decision layer 4, first half): candidates whose crash probability is
//! above the gate are dropped; the rest, and the node's own pool, get the yield score
//! 100 x (1 - TCO/maxTCO) x (1 - p), where TCO is the whole instance's spot price and maxTCO the
//! highest of the own pool's, the candidates' and the own type's on-demand price (so the yield reads
//! as "savings against the dearest option, weighted by survival"); candidates in another AZ lose
//! other_az_penalty points. Sorted best first (ties by pool id, so the order is deterministic).
#include "operators/decision/candidate_filter.hpp"

namespace spotstream {

struct Ranking {
  std::optional<Candidate> own;  //!< with its yield (the own pool is ranked, never gated out)
  std::vector<Candidate> ranked;  //!< safe candidates, best first
  int gated = 0;                  //!< candidates dropped by the safety gate
  int cooling = 0;                //!< candidates dropped by the target cool-down
  FilterResult filter;            //!< what the static filter rejected (counts)
};

class PoolRanking {
 public:
  explicit PoolRanking(DecisionSettings s) : s_(s) {}
  Ranking operator()(FilterResult f) const;

 private:
  DecisionSettings s_;
};

}  // namespace spotstream
