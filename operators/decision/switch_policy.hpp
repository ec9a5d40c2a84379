#pragma once
//! SWITCH or STAY (decision layer 4, second half): a node whose own pool is above the safety gate
//! SWITCHes to the best candidate the diversity cap allows, or to on-demand when none is safe;
//! otherwise it SWITCHes only when the best candidate gains more than gain_points stability points
//! (100 x drop in crash probability) at no higher hourly cost, or more than gain_points_with_saving
//! points with a cost saving above `saving` (hysteresis): without a safety reason a SWITCH never
//! raises what the node pays per hour (the whole instance's price), and never within min_dwell_ms of its last risk-driven change (gate
//! breaches excepted). Hysteresis holds both ways: a SWITCH in force stands until its target is no
//! longer a safe candidate or the own pool beats the target by the same margins, and it keeps its
//! target unless another candidate beats that target by them; a target in force also gives way to
//! a pool (the own one included) as safe and cheaper by the saving margin, so a node does not stay
//! on a target whose price has risen since. Stateless; the state is the node's.
#include <functional>
#include <limits>
#include <string>

#include "operators/decision/fleet_state.hpp"
#include "operators/decision/pool_ranking.hpp"

namespace spotstream {

inline constexpr std::string_view kOnDemandTarget = "on-demand";

struct Verdict {
  DecisionKind kind = DecisionKind::Stay;
  std::string target;
  std::string reason;
  double crash_probability = kAbsent;  //!< of the own pool
  double yield = kAbsent;              //!< of where the node goes (own pool for STAY)
  std::string model;                   //!< the own pool's risk model
  std::string why;                     //!< SWITCH: "gate", "gain", "gain_and_saving" or "saving" (Decision::why)
  double current_price = kAbsent;      //!< the own pool's whole instance, USD/h
  double target_price = kAbsent;       //!< where a SWITCH sends the node (on-demand: its type's price)
  double target_probability = kAbsent; //!< the SWITCH target's crash probability (on-demand: absent)
};

class SwitchPolicy {
 public:
  //! May the node be steered into this candidate's family (diversity cap)?
  using CapCheck = std::function<bool(const Candidate&)>;

  explicit SwitchPolicy(DecisionSettings s) : s_(s) {}
  //! The decision at event time `now`. With no score for the own pool yet, the state stands.
  //! Unless `explained`, the reason is left empty: writing it costs more than deciding, and an
  //! instant decides for every node, most of which keep their decision.
  Verdict operator()(const NodeNeeds& node, const Ranking& r, const ModelState& state, TimestampMs now,
                     const CapCheck& allowed, bool explained = true) const;
  //! The best safe candidate the cap allows (for an EVACUATE's replacement); null when none.
  static const Candidate* best(const Ranking& r, const CapCheck& allowed);
  //! True when `a` is better than `b` by the hysteresis margins.
  bool beats(const Candidate& a, const Candidate& b) const;
  //! Why `a` beats `b`: "gain_and_saving" when by the margin with a saving, else "gain".
  const char* why_beats(const Candidate& a, const Candidate& b) const;
  //! `a` replaces the target of a SWITCH in force: it beats it, or is no riskier and cheaper by
  //! the saving margin (a target chosen when it was no dearer may have become dearer since).
  bool beats_in_force(const Candidate& a, const Candidate& current) const;
  //! why_beats, or "saving" when `a` replaces `current` on price alone.
  const char* why_beats_in_force(const Candidate& a, const Candidate& current) const;

 private:
  struct Choice;
  Choice choose(const Ranking& r, const ModelState& state, TimestampMs now, const CapCheck& allowed) const;
  std::string reason(const Choice& c, const NodeNeeds& node, const Ranking& r) const;
  DecisionSettings s_;
};

//! "us-east-1a/m5.large/Linux/UNIX (p=0.12, $0.0400/h, yield 55.1)" for reasons.
std::string describe(const Candidate& c);

}  // namespace spotstream
