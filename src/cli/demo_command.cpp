// `spotstream demo`: the main job on embedded defaults. A synthetic market is published to the
// embedded broker while the live topology consumes it; when the input is consumed the processor
// drains, delivers and commits, and the demo reads spot.decisions and spot.dlq back from Kafka.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "src/cli/commands.hpp"
#include "src/cli/embedded_setup.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "src/runtime/stop_signal.hpp"
#include "src/storage/history_report.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"

namespace spotstream::cli {

namespace {

// A handful of deliberately bad messages, one per kind of fault, to show the dead-letter path.
void publish_bad_input(EventPublisher& pub, const Config& cfg, TimestampMs ts) {
  const auto& prices = cfg.get_string("topics.prices");
  pub.publish_raw(prices, "bad", "{\"ts\": \"2025-01-01T00:00:00Z\", \"az\": ", ts);
  pub.publish_raw(prices, "bad", R"({"ts":"2025-01-01T00:00:00Z","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":-0.02})", ts);
  pub.publish_raw(prices, "bad", R"({"ts":"2025-01-01T00:00:00Z","az":"moon-base-1","instance_type":"c5.large","product":"Linux/UNIX","spot_price":0.03})", ts);
  pub.publish_raw(cfg.get_string("topics.signals"), "i-0", R"({"detail-type":"EC2 Spot Instance Interruption Warning","detail":{}})", ts);
  pub.publish_raw(cfg.get_string("topics.fleet"), "i-1", R"({"ts":"2025-01-01T00:00:00Z","action":"join"})", ts);
}

void print_decisions(const std::vector<TopicRecord>& records) {
  std::map<std::string, std::uint64_t> by_kind;
  std::vector<Decision> samples;
  std::map<std::string, bool> sampled_kind;
  std::size_t decisions = 0, cleared = 0;
  for (const auto& r : records) {
    if (r.value.empty()) {  // a departed node's tombstone
      ++cleared;
      continue;
    }
    ++decisions;
    const auto d = decode_decision(r.value);
    if (!d) continue;
    by_kind[to_string(d->kind)]++;
    if (!sampled_kind[to_string(d->kind)] || (d->kind == DecisionKind::Evacuate && samples.size() < 6)) {
      sampled_kind[to_string(d->kind)] = true;
      samples.push_back(*d);
    }
  }
  std::printf("\ndecisions read back from spot.decisions: %zu (and %zu tombstone(s) of nodes that left)\n", decisions,
              cleared);
  for (const char* k : {"STAY", "SWITCH", "DRAIN", "EVACUATE"})
    std::printf("  %-9s %llu\n", k, (unsigned long long)by_kind[k]);
  std::printf("\na few of them:\n");
  for (const auto& d : samples)
    std::printf("  %s  %-8s %-9s %s/%s  %s\n", format_iso8601(d.ts).c_str(), d.node_id.c_str(), to_string(d.kind),
                d.az.c_str(), d.instance_type.c_str(), d.reason.c_str());
}

void print_risk(const std::vector<TopicRecord>& records) {
  std::map<std::string, RiskRecord> latest;  // by pool: the record with the latest event time
  for (const auto& r : records) {
    auto rec = decode_risk_record(r.value);
    if (!rec) continue;
    auto it = latest.find(rec->pool);
    if (it == latest.end() || it->second.ts <= rec->ts) latest[rec->pool] = std::move(*rec);
  }
  std::map<std::string, int> labels;
  std::vector<const RiskRecord*> ranked;
  for (const auto& [_, rec] : latest) {
    labels[rec.score.label]++;
    ranked.push_back(&rec);
  }
  std::sort(ranked.begin(), ranked.end(), [](const RiskRecord* a, const RiskRecord* b) {
    return a->score.crash_probability != b->score.crash_probability ? a->score.crash_probability > b->score.crash_probability
                                                                    : a->pool < b->pool;
  });
  std::printf("\nspot.risk: %zu records for %zu pools (on material change, at least hourly); latest per pool: "
              "safe %d, caution %d, avoid %d\n",
              records.size(), latest.size(), labels["safe"], labels["caution"], labels["avoid"]);
  std::printf("riskiest pools at the end of the market (%s):\n",
              ranked.empty() ? "no record" : (ranked.front()->score.model + "@" + ranked.front()->score.model_version).c_str());
  for (std::size_t i = 0; i < ranked.size() && i < 5; ++i) {
    const auto& f = ranked[i]->features;
    std::printf("  %-28s p=%.3f  price %.4f in [%.4f, %.4f] (position %.2f), family stress %.2f/%.2f, discount %.2f\n",
                ranked[i]->pool.c_str(), ranked[i]->score.crash_probability, f.price, f.window_min, f.window_max,
                f.price_position, f.family_stress_mean, f.family_stress_max, f.discount_depth);
  }
}

void print_dlq(const std::vector<TopicRecord>& records) {
  std::map<std::string, std::uint64_t> by_reason;
  for (const auto& r : records) {
    const auto d = decode_dead_letter(r.value);
    by_reason[d ? d->letter.reason : "(unreadable record)"]++;
  }
  std::printf("\ndead-letter records on spot.dlq: %zu\n", records.size());
  for (const auto& [reason, n] : by_reason) std::printf("  %-20s %llu\n", reason.c_str(), (unsigned long long)n);
}

}  // namespace

int demo_command(Config cfg, const FeedOptions& opts) {
  const auto& stop = install_stop_handlers();
  const auto started = std::chrono::steady_clock::now();
  std::printf("spotstream demo: synthetic spot market -> embedded Kafka -> spotstream -> spot.decisions\n\n");
  auto cluster = start_embedded(cfg, "");
  if (cfg.get_int("runtime.idle_exit_ms") == 0) cfg.set("runtime.idle_exit_ms", "1500");

  const SynthMarket market(synth_options(opts));
  std::printf("market: %s\n\n", synth_summary(market.options()).c_str());
  std::fflush(stdout);

  ProcessMetrics metrics;
  std::atomic<bool> feed_done{false};
  int rc = 0;
  std::thread processor([&] {
    Pipeline pipeline(cfg, live_topology(cfg), metrics, kafka_io(cfg));
    rc = pipeline.run(stop, [&] { return feed_done.load(); });
  });

  SynthCounts counts;
  std::uint64_t published = 0;
  {
    EventPublisher pub(cfg);
    counts = market.generate([&](const Event& e) { pub.publish(e); });
    publish_bad_input(pub, cfg, market.options().start);
    pub.flush();
    published = pub.published();
    std::printf("published %s and 5 deliberately bad messages\n", describe(counts).c_str());
    std::fflush(stdout);
  }
  feed_done = true;
  processor.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::printf("\nprocessed: %llu messages in (%llu prices, %llu signals, %llu fleet), %llu outputs delivered, "
              "%llu offset commits, %.1f s wall time\n",
              (unsigned long long)metrics.messages_in.get(), (unsigned long long)metrics.prices_in.get(),
              (unsigned long long)metrics.signals_in.get(), (unsigned long long)metrics.fleet_in.get(),
              (unsigned long long)metrics.outputs_delivered.get(), (unsigned long long)metrics.commits.get(), secs);
  print_decisions(read_topic(cfg, cfg.get_string("topics.decisions")));
  print_risk(read_topic(cfg, cfg.get_string("topics.risk")));
  print_dlq(read_topic(cfg, cfg.get_string("topics.dlq")));
  if (metrics.unknown_instance_signals.get())
    std::printf("\nsignals for instances not in the fleet: %llu (parked; %llu applied on join, %llu expired)\n",
                (unsigned long long)metrics.unknown_instance_signals.get(),
                (unsigned long long)metrics.parked_signals_applied.get(),
                (unsigned long long)metrics.parked_signals_expired.get());
  if (cfg.get_bool("postgres.enabled") && rc == 0) {
    try {
      std::printf("\n%s", history_report(cfg.get_string("postgres.conninfo")).c_str());
    } catch (const std::exception& e) {
      std::printf("\nPostgreSQL history: cannot read it back: %s\n", e.what());
      rc = 1;
    }
  }
  std::printf("\nmetrics %s\n", metrics.to_json().c_str());
  // Interrupted, it read less on purpose.
  return stop.load() ? rc : check_round_trip("input messages", published, metrics.messages_in.get(), rc);
}

}  // namespace spotstream::cli
