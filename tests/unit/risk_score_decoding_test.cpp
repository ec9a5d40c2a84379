// decode_risk_score, the read of spot.risk records by the decisions' risk table: the fields that
// rank pools, against the full read (decode_risk_record) of what encode_risk_record wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/codec/json_encoder.hpp"
#include "tests/unit/codec_test_util.hpp"

using namespace spotstream;
using nlohmann::json;
using spotstream::testing::risk_sample;

// The fast read of the fields that rank pools agrees with the full read, with and without a band
// and an on-demand price, and refuses what the full read refuses.
TEST(RiskScoreDecoding, ReadsWhatRanksPools) {
  auto with_band = risk_sample();
  auto bare = risk_sample();
  bare.features.on_demand_price = kAbsent;
  bare.features.discount_depth = kAbsent;
  bare.features.on_demand_source = kOnDemandAbsent;
  bare.features.advisor_band = -1;
  bare.advisor_band_label.clear();
  bare.warming = true;
  bare.stale = true;
  for (const auto& r : {with_band, bare}) {
    const auto text = encode_risk_record(r);
    const auto full = decode_risk_record(text);
    const auto fast = decode_risk_score(text);
    ASSERT_TRUE(full && fast);
    EXPECT_EQ(fast->pool, full->pool);
    EXPECT_EQ(fast->region, full->region);
    EXPECT_EQ(fast->az, full->az);
    EXPECT_EQ(fast->instance_type, full->instance_type);
    EXPECT_EQ(fast->product, full->product);
    EXPECT_EQ(fast->family, full->family);
    EXPECT_EQ(fast->ts, full->ts);
    EXPECT_EQ(fast->warming, full->warming);
    EXPECT_EQ(fast->stale, full->stale);
    EXPECT_EQ(fast->features.price, full->features.price);
    EXPECT_EQ(std::isnan(fast->features.on_demand_price), std::isnan(full->features.on_demand_price));
    if (!std::isnan(full->features.on_demand_price)) {
      EXPECT_EQ(fast->features.on_demand_price, full->features.on_demand_price);
    }
    EXPECT_EQ(fast->features.advisor_band, full->features.advisor_band);
    EXPECT_EQ(fast->score.crash_probability, full->score.crash_probability);
    EXPECT_EQ(fast->score.model, full->score.model);
    EXPECT_EQ(fast->score.model_version, full->score.model_version);
  }
  auto j = json::parse(encode_risk_record(with_band));
  j.erase("crash_probability");
  EXPECT_FALSE(decode_risk_score(j.dump()));
  EXPECT_FALSE(decode_risk_score(R"({"pool":1})"));
  EXPECT_FALSE(decode_risk_score("not json"));
}

// The fast read does not depend on the order of the fields, takes a repeated key's first value
// (as a lookup by name does), and refuses a record without one of the fields it needs or with
// one of the wrong type.
TEST(RiskScoreDecoding, ReadsFieldsInAnyOrder) {
  const auto r = risk_sample();
  const auto parsed = json::parse(encode_risk_record(r));
  std::vector<std::string> keys;
  for (const auto& [k, v] : parsed.items()) keys.push_back(k);
  std::string text = "{";
  for (auto k = keys.rbegin(); k != keys.rend(); ++k) text += json(*k).dump() + ":" + parsed[*k].dump() + ",";
  text.back() = '}';
  const auto fast = decode_risk_score(text);
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->pool, r.pool);
  EXPECT_EQ(fast->ts, r.ts);
  EXPECT_EQ(fast->features.price, r.features.price);
  EXPECT_EQ(fast->features.advisor_band, r.features.advisor_band);
  EXPECT_EQ(fast->score.crash_probability, r.score.crash_probability);
  EXPECT_EQ(fast->score.model, r.score.model);

  const auto with_first = R"({"model":"first",)" + encode_risk_record(r).substr(1);
  ASSERT_TRUE(decode_risk_score(with_first));
  EXPECT_EQ(decode_risk_score(with_first)->score.model, "first");

  for (const char* required : {"pool", "region", "az", "instance_type", "product", "family", "ts_ms", "features",
                               "band", "model"}) {
    auto missing = parsed;
    missing.erase(required);
    EXPECT_FALSE(decode_risk_score(missing.dump())) << required;
  }
  for (const char* inner : {"price", "on_demand_price"}) {
    auto missing = parsed;
    missing["features"].erase(inner);
    EXPECT_FALSE(decode_risk_score(missing.dump())) << inner;
  }
  for (const char* field : {"ts_ms", "warming", "stale", "crash_probability", "pool"}) {
    auto wrong = parsed;
    wrong[field] = json::array();
    EXPECT_FALSE(decode_risk_score(wrong.dump())) << field;
  }
  auto unversioned = parsed;
  unversioned.erase("model_version");
  ASSERT_TRUE(decode_risk_score(unversioned.dump()));
  EXPECT_EQ(decode_risk_score(unversioned.dump())->score.model_version, "");
}
