#pragma once
//! Settings of the risk-driven decision layers (docs/design.md "Decision layers" 2-4), read once from the
//! `decisions.*` properties (src/config/config.cpp has their descriptions and bounds).
#include <cstdint>

#include "src/config/config.hpp"
#include "src/core/event.hpp"

namespace spotstream {

struct DecisionSettings {
  bool enabled = true;                  //!< false: joins and signals only (no risk-driven SWITCH)
  TimestampMs instant_ms = 300000;      //!< decision grid in event time
  //! How much event time of decided instants (and of the risk table's history) is kept so that
  //! nodes taken over from another process can be re-evaluated from their last published decision.
  TimestampMs catch_up_ms = 21600000;
  double gate = 0.85;                   //!< crash probability above which a pool is unsafe
  double gain_points = 10;              //!< stability points a SWITCH must gain...
  double gain_points_with_saving = 5;   //!< ...or this many...
  double saving = 0.05;                 //!< ...with at least this cost saving
  TimestampMs min_dwell_ms = 3600000;   //!< no model decision change within this of the last one
  double family_cap = 0.40;             //!< most of a fleet's nodes SWITCH targets put in one family
  double other_az_penalty = 2.0;        //!< yield points off candidates in another AZ (same AZ preferred)
  int max_band = 3;                     //!< Spot Advisor bands above this are rejected (4 is ">20%")
  //! A pool with an interruption notice within this much event time is no SWITCH or EVACUATE target.
  TimestampMs target_cooldown_ms = 1800000;
  //! Nodes switching together may share one larger instance (ConsolidationPlanner).
  bool consolidate = false;

  static DecisionSettings from(const Config& cfg);
};

}  // namespace spotstream
