// Hot reload: the watcher swaps a changed, valid model file in and refuses a bad one (the old model
// stays); a shard's cache follows the generation; a reloaded Spot Advisor file re-resolves bands;
// and, end to end on the embedded broker, a model swapped under a running stream changes the version
// on spot.risk from one tick to the next with no record missing and none duplicated.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/model/model_loader.hpp"
#include "src/model/model_watcher.hpp"
#include "src/model/spot_advisor.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/decision_services.hpp"
#include "topology/live_topology.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string model_text(const std::string& version, double intercept) {
  return json{{"spotstream_model", 1},
              {"kind", "logistic"},
              {"name", "lr-reload"},
              {"version", version},
              {"features", {"family_stress_max", "price_position", "relative_volatility_24h"}},
              {"trained_until", "2025-01-01T00:00:00Z"},
              {"threshold", 0.4},
              {"logistic", {{"intercept", intercept}, {"coefficients", {1.5, -0.7, 0.3}}, {"mean", {0.5, 0.5, 0.01}}, {"scale", {0.3, 0.3, 0.01}}}}}
      .dump();
}

// Writes a file the way a deployment should: a temporary file renamed over the target.
void publish_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  std::ofstream(tmp, std::ios::binary) << text;
  fs::rename(tmp, path);
}

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("spotstream-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

template <typename Pred>
bool wait_for(Pred pred, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST(ModelReload, WatcherSwapsValidFilesAndRefusesBadOnes) {
  const auto dir = temp_dir("watch");
  const auto path = dir / "model.json";
  publish_file(path, model_text("v1", -1.0));
  Config cfg;
  cfg.set("model.file", path.string());
  cfg.set("model.reload_interval_ms", "0");  // no thread: this test polls by hand
  auto ctx = load_scoring_context(cfg);
  ProcessMetrics m;
  ModelWatcher w(cfg, ctx, m);
  EXPECT_EQ(ctx->snapshot().model->info().version, "v1");

  ScoringCache cache;
  EXPECT_TRUE(cache.refresh(*ctx));
  EXPECT_FALSE(cache.refresh(*ctx));  // nothing moved: no lock, no copy
  EXPECT_EQ(cache.model->info().version, "v1");

  w.poll();
  publish_file(path, model_text("v1", -1.0));  // same bytes, new mtime: not a new model
  w.poll();
  EXPECT_EQ(m.model_reloads.get(), 0u);
  EXPECT_FALSE(cache.refresh(*ctx));

  publish_file(path, model_text("v2", 0.5));
  w.poll();
  EXPECT_EQ(m.model_reloads.get(), 1u);
  EXPECT_TRUE(cache.refresh(*ctx));
  EXPECT_EQ(cache.model->info().version, "v2");

  // Refused, each once, and v2 stays: half a file, a feature spotstream cannot produce, a booster
  // that is not one.
  const std::string v3 = model_text("v3", 0.0);
  json unknown = json::parse(v3);
  unknown["features"][0] = "moon_phase";
  json broken_booster = json::parse(v3);
  broken_booster["kind"] = "xgboost";
  broken_booster["xgboost"] = {{"booster", {{"learner", "garbage"}}}};
  std::uint64_t refused = 0;
  for (const std::string& bad : {v3.substr(0, v3.size() / 2), unknown.dump(), broken_booster.dump()}) {
    publish_file(path, bad);
    w.poll();
    w.poll();
    EXPECT_EQ(m.model_rejects.get(), ++refused) << bad;
    EXPECT_FALSE(cache.refresh(*ctx));
    EXPECT_EQ(ctx->snapshot().model->info().version, "v2");
  }
  publish_file(path, v3);  // a good file after bad ones is taken
  w.poll();
  EXPECT_EQ(m.model_reloads.get(), 2u);
  EXPECT_TRUE(cache.refresh(*ctx));
  EXPECT_EQ(cache.model->info().version, "v3");
  fs::remove_all(dir);
}

TEST(ModelReload, StartRefusesABadModelFile) {
  const auto dir = temp_dir("start");
  publish_file(dir / "bad.json", "{\"spotstream_model\": 1, \"kind\": \"logistic\"}");
  Config cfg;
  cfg.set("model.file", (dir / "bad.json").string());
  EXPECT_THROW(load_scoring_context(cfg), ConfigError);
  EXPECT_THROW(live_topology(cfg), ConfigError);
  fs::remove_all(dir);
}

TEST(ModelReload, AdvisorReloadReresolvesBands) {
  const std::string advisor_a = R"({"ranges": [{"index": 0, "label": "<5%"}, {"index": 4, "label": ">20%"}],
    "instance_types": {"c5.large": {"cores": 2, "ram_gb": 4.0}},
    "spot_advisor": {"us-east-1": {"Linux": {"c5.large": {"s": 60, "r": 0}}}}})";
  const std::string advisor_b = R"({"ranges": [{"index": 0, "label": "<5%"}, {"index": 4, "label": ">20%"}],
    "spot_advisor": {"us-east-1": {"Linux": {"c5.large": {"s": 20, "r": 4}}}}})";
  auto ctx = std::make_shared<ScoringContext>(nullptr, std::make_shared<const SpotAdvisor>(SpotAdvisor::parse(advisor_a)));
  Config cfg;
  cfg.set("risk.every_tick", "true");
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics, ctx);
  PriceState state;
  PriceTick t{1735689600000, "us-east-1", "us-east-1a", "c5.large", "Linux/UNIX", 0.03, 0};
  TickOutcome outcome;
  auto r = path.score(t, state, outcome);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->features.advisor_band, 0);
  EXPECT_EQ(r->features.instance_cores, 2);
  const double p_before = r->score.crash_probability;
  ctx->publish_advisor(std::make_shared<const SpotAdvisor>(SpotAdvisor::parse(advisor_b)));
  t.ts += 300000;
  r = path.score(t, state, outcome);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->features.advisor_band, 4);
  EXPECT_EQ(r->features.advisor_savings_pct, 20);
  EXPECT_TRUE(std::isnan(r->features.instance_cores));  // the new file has no instance_types
  EXPECT_GT(r->score.crash_probability, p_before + 0.5);  // heuristic: public-rate score 1 -> 0
}

// A user's on-demand catalogue replaces the shipped one at start and is reloaded live: a pool's
// table on-demand price (and so its discount depth) follows the new file from the next tick, a
// broken file is refused and counted, and the catalogue in use stays.
TEST(ModelReload, OnDemandCatalogueReloadReresolvesPrices) {
  const auto dir = temp_dir("on-demand");
  const auto path = dir / "on-demand.json";
  auto catalogue = [](double usd) {
    return json{{"source", "test"},
                {"as_of", "2026-12"},
                {"instance_types", {{"c5.large", {{"family", "c5"}, {"arch", "x86_64"}, {"vcpu", 2}, {"memory_gib", 4}}}}},
                {"prices", {{"us-east-1", {{"c5.large", usd}}}}}}
        .dump();
  };
  publish_file(path, catalogue(0.1));
  Config cfg;
  cfg.set("catalog.on_demand_file", path.string());
  cfg.set("model.reload_interval_ms", "0");  // polled by hand
  cfg.set("risk.every_tick", "true");
  auto ctx = load_scoring_context(cfg);
  ProcessMetrics metrics;
  ModelWatcher watcher(cfg, ctx, metrics);
  const PricePath price_path(cfg, nullptr, metrics, ctx);
  PriceState state;
  PriceTick t{1735689600000, "us-east-1", "us-east-1a", "c5.large", "Linux/UNIX", 0.03, 0};
  TickOutcome outcome;
  auto r = price_path.score(t, state, outcome);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->features.on_demand_price, 0.1);  // the user's file, not the shipped 0.085
  EXPECT_DOUBLE_EQ(r->features.discount_depth, 1 - 0.03 / 0.1);

  publish_file(path, catalogue(0.25));  // another size: the watcher looks at (mtime, size) first
  watcher.poll();
  EXPECT_EQ(metrics.on_demand_reloads.get(), 1u);
  t.ts += 300000;
  r = price_path.score(t, state, outcome);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->features.on_demand_price, 0.25);

  publish_file(path, catalogue(-10.5));  // refused (another size again): 0.25 stays
  watcher.poll();
  EXPECT_EQ(metrics.on_demand_rejects.get(), 1u);
  EXPECT_DOUBLE_EQ(ctx->snapshot().on_demand->price("us-east-1", "c5.large").value(), 0.25);

  t.on_demand_price = 0.5;  // a tick's own price wins over any catalogue
  t.ts += 300000;
  r = price_path.score(t, state, outcome);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->features.on_demand_price, 0.5);
  fs::remove_all(dir);
}

// The decisions read the same Spot Advisor data as the price shards, and see it reloaded: a type
// only the new file catalogues becomes known hardware for the candidate filter once the process's
// watcher has swapped the file in.
TEST(ModelReload, DecisionsSeeTheReloadedAdvisor) {
  const auto dir = temp_dir("advisor");
  const auto path = dir / "advisor.json";
  const std::string head = R"({"ranges": [{"index": 0, "label": "<5%"}], "spot_advisor": {}, "instance_types": )";
  publish_file(path, head + R"({"c5.large": {"cores": 2, "ram_gb": 4.0}}})");
  Config cfg;
  cfg.set("risk.spot_advisor_file", path.string());
  cfg.set("model.reload_interval_ms", "0");  // polled by hand below
  const auto services = std::make_shared<DecisionServices>(cfg);
  const auto& filter = services->engine.filter();
  ASSERT_TRUE(filter.hardware("c5.large"));
  EXPECT_EQ(filter.hardware("c5.large")->vcpu, 2);
  EXPECT_FALSE(filter.hardware("zz9.large"));  // in no catalogue
  ProcessMetrics m;
  ModelWatcher w(cfg, services->scoring, m);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a newer mtime
  publish_file(path, head + R"({"c5.large": {"cores": 4, "ram_gb": 8.0}, "zz9.large": {"cores": 3, "ram_gb": 6.0}}})");
  w.poll();
  EXPECT_EQ(m.advisor_reloads.get(), 1u);
  ASSERT_TRUE(filter.hardware("zz9.large"));
  EXPECT_EQ(filter.hardware("zz9.large")->vcpu, 3);
  EXPECT_EQ(filter.hardware("c5.large")->vcpu, 4);
  fs::remove_all(dir);
}

// End to end: three phases of the synthetic market through the embedded broker with one record per
// tick. After phase 1 a half-written model file is refused (phase 2 still scores with v1); then v2
// is published and phase 3 scores with it. Every tick has exactly one record, each record's score
// is its model's score of its features, and each pool goes from v1 to v2 once, never back.
TEST(ModelReload, SwapUnderARunningStreamChangesTheVersionWithNoGapOrDuplicate) {
  EmbeddedCluster cluster(1);
  Config cfg;
  for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster.create_topic(cfg.get_string(t), 4);
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("log.level", "warn");
  cfg.set("consumer.group", "reload");
  cfg.set("risk.every_tick", "true");
  cfg.set("runtime.shards", "3");
  cfg.set("runtime.batch_size", "64");
  const auto dir = temp_dir("live");
  const auto path = dir / "model.json";
  publish_file(path, model_text("v1", -1.0));
  cfg.set("model.file", path.string());
  cfg.set("model.reload_interval_ms", "20");

  SynthOptions o;
  o.days = 1;
  o.nodes = 0;
  o.regions = {"us-east-1"};
  std::vector<PriceTick> ticks;
  SynthMarket(o).generate([&](const Event& e) {
    if (const auto* t = std::get_if<PriceTick>(&e)) ticks.push_back(*t);
  });
  const std::size_t a = ticks.size() / 3, b = 2 * ticks.size() / 3;
  const TimestampMs phase2_from = ticks[a].ts, phase3_from = ticks[b].ts;
  ASSERT_LT(ticks[a - 1].ts, phase2_from);  // phases split between time steps
  ASSERT_LT(ticks[b - 1].ts, phase3_from);
  EventPublisher pub(cfg);
  const auto publish = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) pub.publish(Event{ticks[i]});
    pub.flush();
  };

  ProcessMetrics m;
  std::atomic<bool> stop{false};
  Pipeline pipeline(cfg, live_topology(cfg), m, kafka_io(cfg));
  int rc = -1;
  std::thread runner([&] { rc = pipeline.run(stop); });
  publish(0, a);
  ASSERT_TRUE(wait_for([&] { return m.risk_records.get() == a; })) << m.risk_records.get();
  const std::string v2 = model_text("v2", 0.8);
  publish_file(path, v2.substr(0, 40));
  ASSERT_TRUE(wait_for([&] { return m.model_rejects.get() == 1; }));
  publish(a, b);
  ASSERT_TRUE(wait_for([&] { return m.risk_records.get() == b; }));
  publish_file(path, v2);
  ASSERT_TRUE(wait_for([&] { return m.model_reloads.get() == 1; }));
  publish(b, ticks.size());
  ASSERT_TRUE(wait_for([&] { return m.risk_records.get() == ticks.size(); }));
  stop = true;
  runner.join();
  EXPECT_EQ(rc, 0);

  const auto v1_model = load_model_text(model_text("v1", -1.0), dir, "v1");
  const auto v2_model = load_model_text(v2, dir, "v2");
  std::set<std::pair<std::string, TimestampMs>> seen;
  std::map<std::string, TimestampMs> first_v2;
  std::size_t v1_count = 0, v2_count = 0;
  std::map<std::string, std::vector<std::pair<TimestampMs, std::string>>> by_pool;
  for (const auto& rec : read_topic(cfg, cfg.get_string("topics.risk"))) {
    const auto r = decode_risk_record(rec.value);
    ASSERT_TRUE(r) << rec.value;
    EXPECT_TRUE(seen.emplace(r->pool, r->ts).second) << "duplicate " << r->pool << " " << r->ts;
    const bool in_v2 = r->ts >= phase3_from;
    EXPECT_EQ(r->score.model, "lr-reload");
    EXPECT_EQ(r->score.model_version, in_v2 ? "v2" : "v1") << r->pool << " " << format_iso8601(r->ts);
    EXPECT_EQ(r->score.model_kind, "logistic");
    const auto& model = r->score.model_version == "v2" ? *v2_model : *v1_model;
    EXPECT_NEAR(r->score.crash_probability, model.crash_probability(r->features), 1e-12);
    ++(in_v2 ? v2_count : v1_count);
  }
  std::set<std::pair<std::string, TimestampMs>> expected;
  for (const auto& t : ticks) expected.emplace(t.pool_id(), t.ts);
  EXPECT_EQ(seen, expected);  // no gap, no duplicate
  EXPECT_EQ(v1_count, b);
  EXPECT_EQ(v2_count, ticks.size() - b);
  EXPECT_EQ(m.model_reloads.get(), 1u);
  EXPECT_EQ(m.model_rejects.get(), 1u);
  fs::remove_all(dir);
}

// Models through Kafka: each message on model.topic is a model file; valid ones are swapped in, a
// bad one is refused and the model in use stays.
TEST(ModelReload, ModelsTopicSwapsValidMessagesAndRefusesBadOnes) {
  EmbeddedCluster cluster(1);
  Config cfg;
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("log.level", "warn");
  cfg.set("model.topic", "spot.models");
  cfg.set("model.reload_interval_ms", "0");
  cluster.create_topic("spot.models", 1);
  auto ctx = load_scoring_context(cfg);
  ProcessMetrics m;
  ModelWatcher w(cfg, ctx, m);
  EXPECT_EQ(ctx->snapshot().model->info().id(), "heuristic-v1@1");
  EventPublisher pub(cfg);
  pub.publish_raw("spot.models", "model", model_text("t1", 0.2), 0);
  pub.flush();
  ASSERT_TRUE(wait_for([&] { return m.model_reloads.get() == 1; }));
  EXPECT_EQ(ctx->snapshot().model->info().id(), "lr-reload@t1");
  pub.publish_raw("spot.models", "model", "{\"spotstream_model\": 1, \"kind\": \"logistic\", \"name\": \"x\"}", 0);
  pub.publish_raw("spot.models", "model", model_text("t2", 0.3), 0);
  pub.flush();
  ASSERT_TRUE(wait_for([&] { return m.model_reloads.get() == 2; }));
  EXPECT_EQ(m.model_rejects.get(), 1u);
  EXPECT_EQ(ctx->snapshot().model->info().id(), "lr-reload@t2");
}
