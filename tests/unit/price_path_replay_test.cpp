// A replayed tick (warm start) rebuilds a shard's price state and publishes nothing. Without a
// risk table fed from the shard (decisions.risk_source=topic), it does not even build the record
// it would have published: that must change nothing that is published afterwards. Reference: the
// same ticks all processed live; the records published after the replay must be byte for byte the
// reference's from the same time on, with or without the record sink, and the records a replay
// hands to the sink must be the ones the reference published for the replayed part.
#include <gtest/gtest.h>

#include <map>

#include "src/codec/json_encoder.hpp"
#include "src/feed/synth_market.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {

struct Outcome {
  std::vector<std::string> published;  //!< "<key> <value>" of each spot.risk output, in order
  std::vector<std::string> replayed;   //!< encoded records the sink got for replayed ticks
};

class PricePathReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.set("window.length_ms", std::to_string(kDayMs));
    SynthOptions o;
    o.days = 3;
    o.regions = {"us-east-1"};
    o.nodes = 0;
    o.spike_rate_per_family_day = 2.0;
    SynthMarket(o).generate([&](const Event& e) {
      if (const auto* t = std::get_if<PriceTick>(&e)) ticks_.push_back(*t);
    });
    start_ = o.start;
  }

  //! Ticks before `replay_until` are replayed, the rest live; `sink`: whether a record sink is set.
  Outcome run(TimestampMs replay_until, bool sink) {
    Outcome o;
    ProcessMetrics metrics;
    PricePath::RecordSink on_record;
    if (sink)
      on_record = [&](const RiskRecord& r, bool replayed) {
        if (replayed) o.replayed.push_back(r.pool + " " + encode_risk_record(r));
      };
    const PricePath path(cfg_, nullptr, metrics, nullptr, on_record);
    PriceState state;
    OutputCollector out;
    for (const auto& t : ticks_) {
      EventContext ctx;
      ctx.replay = t.ts < replay_until;
      ctx.partition = 0;
      ctx.covered_from = start_;
      path(t, ctx, state, out);
    }
    for (const auto& r : out.outputs())
      if (r.topic == OutputTopic::Risk) o.published.push_back(r.key + " " + r.value);
    return o;
  }

  static std::vector<std::string> from(const std::vector<std::string>& records, std::size_t i) {
    return {records.begin() + static_cast<long>(i), records.end()};
  }

  Config cfg_;
  std::vector<PriceTick> ticks_;
  TimestampMs start_ = 0;
};

}  // namespace

TEST_F(PricePathReplayTest, SkippingTheRecordOfAReplayedTickChangesNothingPublishedAfterwards) {
  const auto reference = run(std::numeric_limits<TimestampMs>::min(), false);
  // Replayed: a window and a bit more, the split off the hour (at an hour every pool publishes
  // anyway: risk.max_interval_ms), so the live part starts from the replay's emission state.
  const TimestampMs split = start_ + kDayMs + kDayMs / 3 + 25 * 60'000;
  const auto with_sink = run(split, true), without_sink = run(split, false);

  // The reference's records from the split on (published in tick order, so a suffix).
  std::size_t first_live = 0;
  while (first_live < reference.published.size()) {
    const auto rec = decode_risk_record(reference.published[first_live].substr(reference.published[first_live].find(' ') + 1));
    ASSERT_TRUE(rec);
    if (rec->ts >= split) break;
    ++first_live;
  }
  ASSERT_GT(first_live, 1000u);
  ASSERT_GT(reference.published.size() - first_live, 1000u);
  EXPECT_EQ(with_sink.published, from(reference.published, first_live));
  EXPECT_EQ(without_sink.published, from(reference.published, first_live));
  // What a replay hands to a sink (to rebuild a local risk table) is what was published for it.
  EXPECT_EQ(with_sink.replayed, std::vector<std::string>(reference.published.begin(),
                                                         reference.published.begin() + static_cast<long>(first_live)));
  EXPECT_TRUE(without_sink.replayed.empty());
}

// A stalled feed's pools: each publishes its last record again, stamped when it became stale and
// marked so, once however often it is told; once its ticks reach that time, its next record is
// published whatever moved (clearing the mark), and not before.
TEST(PricePathStale, LastRecordsRepublishedStaleOnceThenReplacedFromTheStaleTimeOn) {
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  PriceState state;
  OutputCollector out;
  const TimestampMs t0 = 1735689600000, step = 300000;
  auto tick = [&](TimestampMs ts, const char* type) {
    EventContext ctx;
    ctx.partition = 0;
    path(PriceTick{ts, "us-east-1", "us-east-1a", type, "Linux/UNIX", 0.03, 0.1}, ctx, state, out);
  };
  for (int i = 0; i < 4; ++i) tick(t0 + i * step, "c5.large");
  tick(t0, "c5.xlarge");
  std::map<std::string, std::string> last;  // pool -> last published record
  for (const auto& r : out.outputs()) last[r.key] = r.value;
  ASSERT_EQ(last.size(), 2u);
  out.outputs().clear();

  const TimestampMs stale_at = t0 + 10 * step;
  path.mark_stale(state, stale_at, out);
  path.mark_stale(state, stale_at, out);  // told again: nothing more
  ASSERT_EQ(out.outputs().size(), 2u);
  for (const auto& r : out.outputs()) {
    auto rec = decode_risk_record(r.value);
    ASSERT_TRUE(rec);
    EXPECT_TRUE(rec->stale);
    EXPECT_EQ(rec->ts, stale_at);
    auto before = decode_risk_record(last.at(r.key));
    before->stale = true;
    before->ts = stale_at;
    EXPECT_EQ(encode_risk_record(*before), r.value);  // the last record, restamped, nothing else
  }
  out.outputs().clear();

  tick(t0 + 5 * step, "c5.large");  // the feed resumes, still behind the stale time: no new record
  tick(t0 + 6 * step, "c5.large");
  EXPECT_TRUE(out.outputs().empty());
  tick(stale_at, "c5.large");  // caught up: published, unmarked, though nothing moved
  ASSERT_EQ(out.outputs().size(), 1u);
  EXPECT_FALSE(decode_risk_record(out.outputs()[0].value)->stale);
  EXPECT_EQ(out.outputs()[0].ts, stale_at);
}
