#pragma once
// Shared by the tests that compare spot.decisions across runs.
#include <limits>
#include <string>
#include <vector>

#include "src/codec/json_encoder.hpp"
#include "src/feed/synth_market.hpp"

namespace spotstream::test {

//! The market the in-process pipeline tests publish: one region, 25 nodes over two days, with
//! spikes frequent enough for a few dozen signals.
inline std::vector<Event> two_day_market() {
  SynthOptions o;
  o.days = 2;
  o.nodes = 25;
  o.regions = {"us-east-1"};
  o.spike_rate_per_family_day = 2.0;
  std::vector<Event> events;
  SynthMarket(o).generate([&](const Event& e) { events.push_back(e); });
  return events;
}

//! A signal's decision names a replacement pool (and the pool's crash probability, yield and prices) from
//! the risk table as it stands when the signal is processed: a signal must not wait, so these are
//! not deterministic (operators/model_decisions.hpp). Everything else is; this keeps the rest of
//! the record, the decision id included. Records that are not decisions pass unchanged.
inline std::string deterministic_part(const std::string& json) {
  auto d = decode_decision(json);
  if (!d || d->signal == "none") return json;
  d->target.clear();
  d->crash_probability = d->yield = std::numeric_limits<double>::quiet_NaN();
  d->current_price_per_hour = d->target_price_per_hour = std::numeric_limits<double>::quiet_NaN();
  d->reason = d->reason.substr(0, d->reason.find("; replacement: "));
  d->reason = d->reason.substr(0, d->reason.find("; no safe spot pool to replace it"));
  return encode_decision(*d);
}

//! deterministic_part of each record; `prefix_len` leading characters (e.g. a key) are kept as-is.
inline std::vector<std::string> deterministic_parts(const std::vector<std::string>& records, std::size_t prefix_len = 0) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    const auto brace = prefix_len ? r.find('{') : 0;
    if (brace == std::string::npos) out.push_back(r);  // a tombstone: its key alone
    else out.push_back(r.substr(0, brace) + deterministic_part(r.substr(brace)));
  }
  return out;
}

}  // namespace spotstream::test
