// The PostgreSQL history against a real server: Debian's PostgreSQL started by the test
// (scripts/pg_temp.sh via TempPostgres: a temporary cluster on a free loopback port, removed
// afterwards). Rows are read back with plain SQL and compared with the values that went in.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/storage/copy_binary.hpp"
#include "src/storage/history_tables.hpp"
#include "src/storage/migrations.hpp"
#include "src/storage/pg_connection.hpp"
#include "src/storage/pg_sink.hpp"
#include "src/storage/temp_postgres.hpp"
#include "tests/unit/codec_test_util.hpp"
#include "topology/process_metrics.hpp"

namespace spotstream {
namespace {

using namespace std::chrono_literals;

// One server per test process (CTest runs each test in its own process).
TempPostgres& server() {
  static TempPostgres pg;
  return pg;
}

std::string scalar(PgConnection& c, const std::string& sql) {
  auto r = c.exec(sql);
  return r.is_null(0, 0) ? "NULL" : std::string(r.value(0, 0));
}

long long count(PgConnection& c, const std::string& table) { return std::stoll(scalar(c, "SELECT count(*) FROM " + table)); }

void reset_schema(PgConnection& c) {
  c.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  apply_migrations(c, embedded_migrations());
}

Config sink_config(const std::string& conninfo) {
  Config cfg;
  cfg.set("postgres.enabled", "true");
  cfg.set("postgres.conninfo", conninfo);
  cfg.set("postgres.flush_interval_ms", "20");
  cfg.set("postgres.retry_backoff_ms", "20");
  cfg.set("postgres.retry_backoff_max_ms", "200");
  return cfg;
}

PriceTick tick(int i) {
  PriceTick t;
  t.ts = 1735689600000 + (i / 10) * 300000;
  t.az = "us-east-1" + std::string(1, static_cast<char>('a' + i % 3));
  t.region = "us-east-1";
  t.instance_type = i % 2 ? "c5.large" : "m5.xlarge";
  t.product = "Linux/UNIX";
  t.spot_price = 0.01 * (1 + i % 97);
  if (i % 4) t.on_demand_price = 0.5;
  return t;
}

// Pushes `n` ticks (distinct by construction) through `sink` in input batches of `per_batch`.
std::vector<std::unique_ptr<InputBatch>> push_ticks(PgSink& sink, int first, int n, int per_batch,
                                                     const std::atomic<bool>& abort) {
  std::vector<std::unique_ptr<InputBatch>> batches;
  std::vector<HistoryItem> items;
  for (int i = first; i < first + n; i += per_batch) {
    auto b = std::make_unique<InputBatch>();
    const int end = std::min(first + n, i + per_batch);
    b->add(end - i);
    for (int k = i; k < end; ++k) items.push_back(HistoryItem{tick(k), b.get()});
    sink.push(items, abort);
    b->done();
    batches.push_back(std::move(b));
  }
  return batches;
}

bool all_complete(const std::vector<std::unique_ptr<InputBatch>>& bs) {
  for (const auto& b : bs)
    if (!b->complete()) return false;
  return true;
}

bool wait_complete(const std::vector<std::unique_ptr<InputBatch>>& bs, std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!all_complete(bs)) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(PgHistory, TextRepairKeepsValidUtf8AndReplacesTheRest) {
  EXPECT_TRUE(pg_text_ok("us-east-1a"));
  EXPECT_TRUE(pg_text_ok("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(pg_text_ok(std::string("a\0b", 3)));
  EXPECT_FALSE(pg_text_ok("\xC3"));          // truncated
  EXPECT_FALSE(pg_text_ok("\xC0\xAF"));      // overlong
  EXPECT_FALSE(pg_text_ok("\xED\xA0\x80"));  // surrogate
}

TEST(PgHistory, MigrationsApplyOnceAndRefuseAnEditedMigration) {
  PgConnection c(server().conninfo(), "test");
  c.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  const auto& ms = embedded_migrations();
  ASSERT_FALSE(ms.empty());
  EXPECT_EQ(apply_migrations(c, ms), static_cast<int>(ms.size()));
  EXPECT_EQ(apply_migrations(c, ms), 0);  // idempotent
  for (const char* t : {"price_ticks", "risk_scores", "decisions", "signals", "dead_letters"})
    EXPECT_EQ(count(c, t), 0) << t;
  auto edited = ms;
  edited[0].sql += "\n-- edited";
  EXPECT_THROW(apply_migrations(c, edited), std::runtime_error);
  // A new migration is applied on top.
  auto more = ms;
  more.push_back(Migration{ms.back().version + 1, "V999__test.sql", "CREATE TABLE extra_test (x int)"});
  EXPECT_EQ(apply_migrations(c, more), 1);
  EXPECT_EQ(count(c, "extra_test"), 0);
}

TEST(PgHistory, EveryKindOfRowReadsBackWithItsValues) {
  PgConnection c(server().conninfo(), "test");
  reset_schema(c);
  ProcessMetrics metrics;
  std::atomic<bool> fatal{false}, stop{false};
  PgSink sink(sink_config(server().conninfo()), metrics, fatal);
  sink.start(stop);

  PriceTick t = tick(1);
  t.on_demand_price = std::nan("");
  Signal s;
  s.kind = SignalKind::Interruption;
  s.action = InstanceAction::Terminate;
  s.format = SignalFormat::EventBridge;
  s.instance_id = std::string("i-0bad\xC3\x28", 8);  // invalid UTF-8 from a Kafka key must not stop the sink
  s.event_id = "ev-1";
  s.ts = 1735689600000;
  s.action_time = 1735689720000;
  Decision d;
  d.decision_id = "00000000deadbeef";
  d.kind = DecisionKind::Evacuate;
  d.ts = 1735689600123;
  d.fleet = "default";
  d.node_id = std::string("node-\0-1", 8);  // NUL: \u0000 in the JSON, which ->> and jsonb refuse
  d.instance_id = "i-1";
  d.region = "us-east-1";
  d.az = "us-east-1a";
  d.instance_type = "c5.large";
  d.product = "Linux/UNIX";
  d.reason = "AWS interruption notice";
  d.signal = "interruption-notice:terminate";
  d.model = "signal-rules-v1";
  d.why = "signal";
  d.current_price_per_hour = 0.04;  // no target price: the saving is unknown (null)
  const RiskRecord r = testing::risk_sample();
  DeadLetter dl;
  dl.reason = "malformed_json";
  dl.detail = "bad";
  dl.source = SourceRef{"spot.prices", 3, 92161};
  dl.key = "k";
  dl.payload = std::string("{\"ts\":\xFF\0", 8);
  dl.ts = 0;

  auto batch = std::make_unique<InputBatch>();
  batch->add(5);
  std::vector<HistoryItem> items;
  items.push_back(HistoryItem{t, batch.get()});
  items.emplace_back().row.emplace<Signal>(s);  // (not HistoryItem{s, ...}: a GCC 12 false -Wmaybe-uninitialized)
  items.back().batch = batch.get();
  items.push_back(HistoryItem{Output{OutputTopic::Decisions, d.node_id, encode_decision(d), d.ts, batch.get()}, batch.get()});
  items.push_back(HistoryItem{Output{OutputTopic::Risk, r.pool, encode_risk_record(r), r.ts, batch.get()}, batch.get()});
  items.push_back(HistoryItem{Output{OutputTopic::Dlq, dl.key, encode_dead_letter(dl, 1 << 20), dl.ts, batch.get()}, batch.get()});
  sink.push(items, stop);
  batch->done();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!batch->complete() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(batch->complete());
  EXPECT_FALSE(batch->failed.load());
  sink.stop_and_join();
  EXPECT_FALSE(fatal.load());
  EXPECT_EQ(metrics.history_rows_written.get(), 5u);

  EXPECT_EQ(scalar(c, "SELECT ts = '2025-01-01T00:00:00Z' AND region = 'us-east-1' AND az = 'us-east-1b' AND "
                      "instance_type = 'c5.large' AND spot_price = 0.02 AND on_demand_price IS NULL FROM price_ticks"),
            "t");
  EXPECT_EQ(scalar(c, "SELECT tick_id FROM price_ticks"), std::to_string(price_tick_id(t)));
  EXPECT_EQ(scalar(c, "SELECT instance_id FROM signals"), "i-0bad\xEF\xBF\xBD(");
  EXPECT_EQ(scalar(c, "SELECT kind || ' ' || action || ' ' || format || ' ' || event_id || ' ' || "
                      "to_char(action_time AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM signals"),
            "interruption-notice terminate eventbridge ev-1 00:02:00");
  EXPECT_EQ(scalar(c, "SELECT kind || ' ' || pool || ' ' || (target IS NULL) || ' ' || "
                      "(extract(epoch FROM ts) * 1000)::bigint FROM decisions"),
            "EVACUATE us-east-1a/c5.large/Linux/UNIX true 1735689600123");
  EXPECT_EQ(scalar(c, "SELECT node_id FROM decisions"), "node-\xEF\xBF\xBD-1");
  EXPECT_EQ(scalar(c, "SELECT why || ' ' || current_price_per_hour || ' ' || (target_price_per_hour IS NULL) || ' ' || "
                      "(estimated_saving_per_hour IS NULL) FROM decisions"),
            "signal 0.04 true true");
  EXPECT_EQ(scalar(c, "SELECT (plan IS NULL) || ' ' || (plan_nodes IS NULL) || ' ' || (plan_price_per_hour IS NULL) "
                      "FROM decisions"),
            "true true true");  // no consolidation plan
  EXPECT_EQ(scalar(c, "SELECT record->>'decision_id' FROM decisions"), "00000000deadbeef");
  EXPECT_EQ(scalar(c, "SELECT record::text FROM risk_scores"), encode_risk_record(r));  // as published
  EXPECT_EQ(scalar(c, "SELECT pool || ' ' || model || ' ' || label || ' ' || crash_probability || ' ' || "
                      "(record->'features'->>'ticks_in_window') FROM risk_scores"),
            "us-east-1a/p3.2xlarge/Linux/UNIX heuristic-v1 avoid 0.7 2016");
  EXPECT_EQ(scalar(c, "SELECT encode(payload, 'hex') || ' ' || (ts IS NULL) || ' ' || source_offset || ' ' || "
                      "payload_bytes || ' ' || truncated FROM dead_letters"),
            "7b227473223aff00 true 92161 8 false");
}

TEST(PgHistory, BatchesReleaseAfterCommitAndAReplayAddsNoRows) {
  PgConnection c(server().conninfo(), "test");
  reset_schema(c);
  std::atomic<bool> fatal{false}, stop{false};
  ProcessMetrics m1;
  {
    PgSink sink(sink_config(server().conninfo()), m1, fatal);
    sink.start(stop);
    const auto batches = push_ticks(sink, 0, 25000, 1000, stop);
    ASSERT_TRUE(wait_complete(batches, 60s));
    // Released means committed: every row is visible from another session.
    EXPECT_EQ(count(c, "price_ticks"), 25000);
    sink.stop_and_join();
  }
  EXPECT_EQ(m1.history_rows_written.get(), 25000u);
  EXPECT_EQ(m1.history_rows_duplicate.get(), 0u);
  // The same input again, in other batch sizes and overlapping new rows: only the new ones land.
  ProcessMetrics m2;
  PgSink sink(sink_config(server().conninfo()), m2, fatal);
  sink.start(stop);
  const auto batches = push_ticks(sink, 20000, 10000, 777, stop);
  ASSERT_TRUE(wait_complete(batches, 60s));
  sink.stop_and_join();
  EXPECT_FALSE(fatal.load());
  EXPECT_EQ(m2.history_rows_written.get(), 5000u);
  EXPECT_EQ(m2.history_rows_duplicate.get(), 5000u);
  EXPECT_EQ(count(c, "price_ticks"), 30000);
  EXPECT_EQ(scalar(c, "SELECT count(DISTINCT (ts, tick_id)) FROM price_ticks"), "30000");
}

TEST(PgHistory, AnOutageHoldsBatchesAppliesBackpressureAndEndsComplete) {
  PgConnection c(server().conninfo(), "test");
  reset_schema(c);
  auto cfg = sink_config(server().conninfo());
  cfg.set("postgres.queue_capacity", "1000");
  cfg.set("postgres.batch_rows", "500");
  ProcessMetrics m;
  std::atomic<bool> fatal{false}, stop{false};
  PgSink sink(cfg, m, fatal);
  sink.start(stop);
  auto before = push_ticks(sink, 0, 2000, 100, stop);
  ASSERT_TRUE(wait_complete(before, 30s));

  server().stop();
  // While the database is down nothing is released, and a producer pushing more than the queue
  // holds is made to wait (backpressure) instead of growing memory.
  std::atomic<bool> pushed{false};
  std::vector<std::unique_ptr<InputBatch>> during;
  std::thread producer([&] {
    during = push_ticks(sink, 2000, 6000, 100, stop);
    pushed = true;
  });
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(pushed.load()) << "push did not wait while the database was down";
  EXPECT_GT(m.history_retries.get(), 0u);

  server().start();
  producer.join();
  ASSERT_TRUE(wait_complete(during, 60s));
  sink.stop_and_join();
  EXPECT_FALSE(fatal.load());
  for (const auto& b : during) EXPECT_FALSE(b->failed.load());
  PgConnection c2(server().conninfo(), "test");
  EXPECT_EQ(count(c2, "price_ticks"), 8000);
  EXPECT_EQ(m.history_rows_written.get() + m.history_rows_duplicate.get(), 8000u);
}

TEST(PgHistory, ARowRepeatedWithinABatchIsStoredOnce) {
  PgConnection c(server().conninfo(), "test");
  reset_schema(c);
  ProcessMetrics m;
  std::atomic<bool> fatal{false}, stop{false};
  PgSink sink(sink_config(server().conninfo()), m, fatal);
  sink.start(stop);
  auto b = std::make_unique<InputBatch>();
  std::vector<HistoryItem> items;
  for (int i : {1, 2, 1, 3, 2}) items.push_back(HistoryItem{tick(i), b.get()});
  b->add(static_cast<std::int64_t>(items.size()));
  sink.push(items, stop);
  b->done();
  std::vector<std::unique_ptr<InputBatch>> bs;
  bs.push_back(std::move(b));
  ASSERT_TRUE(wait_complete(bs, 30s));
  sink.stop_and_join();
  EXPECT_FALSE(fatal.load());
  EXPECT_EQ(count(c, "price_ticks"), 3);
  EXPECT_EQ(m.history_rows_written.get(), 3u);
  EXPECT_EQ(m.history_rows_duplicate.get(), 2u);
}

TEST(PgHistory, AStopGivesUpOnAnUnreachableDatabaseAndLeavesTheBatchUncommitted) {
  PgConnection c(server().conninfo(), "test");
  reset_schema(c);
  auto cfg = sink_config(server().conninfo());
  cfg.set("postgres.shutdown_timeout_ms", "500");
  ProcessMetrics m;
  std::atomic<bool> fatal{false}, stop{false};
  PgSink sink(cfg, m, fatal);
  sink.start(stop);
  server().stop();
  const auto batches = push_ticks(sink, 0, 100, 50, stop);
  // SIGTERM: the run's stop flag starts the shutdown clock by itself.
  stop = true;
  const auto t0 = std::chrono::steady_clock::now();
  while (!fatal.load() && std::chrono::steady_clock::now() - t0 < 20s) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(fatal.load()) << "did not give up after postgres.shutdown_timeout_ms";
  sink.stop_and_join();
  server().start();
  EXPECT_TRUE(fatal.load());
  for (const auto& b : batches) EXPECT_TRUE(b->failed.load());  // never committed: offsets stay behind
  PgConnection c2(server().conninfo(), "test");
  EXPECT_EQ(count(c2, "price_ticks"), 0);
}

TEST(PgHistory, AnUnreachableDatabaseFailsStartupClearlyWithoutThePassword) {
  Config cfg;
  cfg.set("postgres.enabled", "true");
  // Port 1 on loopback: refused at once.
  cfg.set("postgres.conninfo", "host=127.0.0.1 port=1 user=spot password=hunter2 dbname=x");
  cfg.set("postgres.startup_timeout_ms", "300");
  cfg.set("postgres.retry_backoff_ms", "50");
  ProcessMetrics m;
  std::atomic<bool> fatal{false}, stop{false};
  PgSink sink(cfg, m, fatal);
  try {
    sink.start(stop);
    FAIL() << "start succeeded";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  }
  EXPECT_EQ(cfg.describe().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace spotstream
