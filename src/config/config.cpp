#include "src/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

extern char** environ;

namespace spotstream {

namespace {

constexpr double kNoMin = -1e300, kNoMax = 1e300;

const std::vector<PropertySpec> kSpecs = {
    {"topics.prices", PropertyType::String, "spot.prices", 0, 0, "Input topic: spot price ticks, keyed <az>/<family>"},
    {"topics.signals", PropertyType::String, "spot.signals", 0, 0, "Input topic: AWS interruption notices and rebalance recommendations, keyed by instance id"},
    {"topics.fleet", PropertyType::String, "spot.fleet", 0, 0, "Input topic: fleet node join/leave events, keyed by instance id"},
    {"topics.decisions", PropertyType::String, "spot.decisions", 0, 0, "Output topic: per-node decisions, keyed by node id"},
    {"topics.risk", PropertyType::String, "spot.risk", 0, 0, "Output topic: per-pool risk records, keyed by pool"},
    {"topics.dlq", PropertyType::String, "spot.dlq", 0, 0, "Output topic: bad input with reason and original bytes"},
    {"topics.partitions", PropertyType::Int, "16", 1, 1024, "Partitions per topic when spotstream creates topics on the embedded broker"},
    {"consumer.group", PropertyType::String, "spotstream", 0, 0, "Kafka consumer group id"},
    {"consumer.control_queue", PropertyType::Bool, "false", 0, 0, "Read the signals and fleet partitions through a queue of their own, served before the price partitions' (a signal does not wait behind price messages already fetched). Off by default: behind a price backlog the signals then run ahead of the prices, and the decisions that read prices (targets, sibling reactions) depend on how far, so a re-run may not repeat them"},
    {"consumer.offset_reset", PropertyType::String, "earliest", 0, 0, "Where a group with no committed offset starts: earliest or latest"},
    {"runtime.shards", PropertyType::Int, "2", 1, 256, "Shard threads; each owns the state of the keys routed to it"},
    {"runtime.queue_capacity", PropertyType::Int, "65536", 256, 1e8, "Events a shard's price lane holds before the source waits (backpressure)"},
    {"runtime.shard_batch_scheduling", PropertyType::Bool, "true", 0, 0, "Run the shard threads as SCHED_BATCH (Linux): a shard woken with new events does not preempt the source thread that woke it, but takes a free core or waits for the next scheduler tick. The source polls and decodes for every shard, so on few cores each preemption of it stalls them all (docs/design.md 'Runtime'); false: ordinary SCHED_OTHER threads"},
    {"runtime.batch_size", PropertyType::Int, "1024", 1, 1e6, "Messages the source takes per poll round; offsets commit per whole batch"},
    {"runtime.commit_interval_ms", PropertyType::Int, "1000", 10, 3.6e6, "How often delivered offsets are committed"},
    {"runtime.sink_capacity", PropertyType::Int, "65536", 256, 1e8, "Outputs the sink queue holds before shards wait (backpressure)"},
    {"runtime.control_grace_ms", PropertyType::Int, "2000", 0, 3.6e6, "Wall time a price tick waits when the fleet and signals partitions are read to their end, so that a fleet event or signal stamped before it that reaches Kafka within this time is processed first (the interruption pressure it is scored with; docs/design.md 'Interruption pressure'); 0: ticks wait only for partitions still being read"},
    {"runtime.idle_exit_ms", PropertyType::Int, "0", 0, 8.64e7, "Exit cleanly after this long with no input at the end of every partition (0: run until signalled)"},
    {"delivery.guarantee", PropertyType::String, "at_least_once", 0, 0, "at_least_once (offsets committed once the outputs are acknowledged; duplicates after a crash carry the same ids) or exactly_once (Kafka transactions: outputs and input offsets commit together; read outputs with isolation.level=read_committed; docs/scaling-and-delivery.md)"},
    {"delivery.decisions_linger_ms", PropertyType::Int, "0", 0, 900000, "With delivery.guarantee=at_least_once, spot.decisions has a producer of its own with this linger.ms: a decision goes out at once instead of waiting while the spot.risk records batch for kafka.linger.ms (5 by default). With exactly_once one transactional producer carries every output"},
    {"delivery.transactional_id", PropertyType::String, "", 0, 0, "With delivery.guarantee=exactly_once: the producer's transactional.id, unique per process and the same across its restarts (a restarted process fences its zombie); empty: <consumer.group>-<host name>"},
    {"decode.max_message_bytes", PropertyType::Int, "65536", 256, 1e8, "Larger input messages go to the DLQ with reason oversize"},
    {"decode.max_price", PropertyType::Double, "1000", 0.001, 1e9, "Spot or on-demand prices above this (USD/hour) are absurd and go to the DLQ"},
    {"decode.dlq_payload_max_bytes", PropertyType::Int, "262144", 0, 1e8, "Original bytes kept in a DLQ record (longer payloads are truncated and marked)"},
    {"limits.max_pools", PropertyType::Int, "200000", 1, 1e8, "Most spot pools (AZ, instance type, product) a process keeps a window for (about 16 KiB each with 7-day windows of 5-minute panes); a tick of a further pool goes to the DLQ with reason pool_limit, counted and logged (the limit is checked per price shard against the process's count: it may be passed by at most one pool per shard)"},
    {"limits.max_fleet_nodes", PropertyType::Int, "100000", 1, 1e8, "Most fleet nodes a process holds (departed ones kept for late notices included); a join of a further node goes to the DLQ with reason fleet_limit, counted and logged, and its signals are parked until they expire"},
    {"limits.dlq_per_second", PropertyType::Int, "1000", 0, 1e9, "Dead letters per second written with their original bytes; past it in any second (a producer gone wrong) each is still written, with its reason and source offset, but without its bytes (truncated, 0 kept): counted as dlq payloads_dropped and logged (0: no limit)"},
    {"signals.park_ms", PropertyType::Int, "900000", 0, 8.64e8, "How long (event time) a signal for an unknown instance waits for the instance to join"},
    {"signals.park_max", PropertyType::Int, "100000", 0, 1e8, "Most signals parked for unknown instances per shard"},
    {"signals.departed_max", PropertyType::Int, "100000", 0, 1e8, "Most departed nodes a shard keeps for notices stamped before their leave (oldest forgotten first)"},
    {"window.length_ms", PropertyType::Int, "604800000", 3.6e6, 3.1536e10, "Length of each pool's sliding event-time window (default 7 days)"},
    {"window.pane_ms", PropertyType::Int, "300000", 1000, 8.64e7, "Pane size of the window (default 5 minutes); memory per pool is bounded by length / pane"},
    {"window.allowed_lateness_ms", PropertyType::Int, "600000", 0, 8.64e7, "A price tick older than its partition's watermark minus this goes to the DLQ with reason late"},
    {"window.max_ahead_ms", PropertyType::Int, "604800000", 0, 3.2e10, "A price tick stamped more than this ahead of its partition's latest accepted tick goes to the DLQ as 'ahead' and does not move the partition's watermark (one bad producer clock must not make every later tick late; default 7 days: a partition whose data resumes after a longer gap needs more; 0: no bound)"},
    {"window.max_ahead_of_clock_ms", PropertyType::Int, "3600000", 0, 3.2e10, "Any event (price, signal, fleet) stamped more than this ahead of this machine's clock goes to the DLQ as 'ahead' (default 1 h of clock skew; 0: no bound)"},
    {"feeds.stale_after_ms", PropertyType::Int, "3600000", 0, 3.1536e10, "A price partition read to its end whose latest event time is this far behind the most advanced price partition's has stalled (its producer stopped while the others go on): it is reported (log, /metrics, /ready), stops holding decisions back, and its pools get a stale spot.risk record and are not decided on until it resumes. Real histories record changes only: a quiet pool is never stale by itself, only a whole partition is (0: off)"},
    {"feeds.stale_grace_ms", PropertyType::Int, "30000", 0, 8.64e7, "...and has stayed so for this much wall time (a backfill's messages may reach one partition a moment after another's of days later: that is no stall)"},
    {"warm_start.extra_ms", PropertyType::Int, "86400000", 0, 3.1536e10, "History re-read on a price partition's assignment beyond window.length_ms, so each pool's price in effect at the window's start is known (sparse pools need more)"},
    {"risk.epsilon", PropertyType::Double, "0.01", 0, 1, "A pool's spot.risk record is re-emitted when its score or a feature moves by more than this"},
    {"risk.max_interval_ms", PropertyType::Int, "3600000", 0, 8.64e8, "...and on its first tick in each slot of this length of event time, aligned to the epoch: at least this often while it ticks (0: only on change)"},
    {"risk.every_tick", PropertyType::Bool, "false", 0, 0, "Emit one spot.risk record per input tick instead of on change"},
    {"risk.pressure_short_ms", PropertyType::Int, "600000", 1, 8.64e8, "Interruption pressure: the short window (event time) over which a pool's and its family's AWS signals are counted"},
    {"risk.pressure_medium_ms", PropertyType::Int, "3600000", 1, 8.64e8, "Interruption pressure: the medium window (at least the short one)"},
    {"risk.pressure_long_ms", PropertyType::Int, "86400000", 1, 8.64e8, "Interruption pressure: the long window (at least the medium one)"},
    {"risk.spot_advisor_file", PropertyType::String, "", 0, 0, "Spot Advisor spot-advisor-data.json for interruption bands (empty: band unknown)"},
    {"catalog.on_demand_file", PropertyType::String, "", 0, 0, "On-demand price catalogue (regions x instance types, whole-instance USD/hour, and each type's hardware; the format of data/on-demand-prices.json); empty: the copy of that file compiled in. Reloaded live when it changes; a tick's own on_demand_price wins"},
    {"advisor.url", PropertyType::String, "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json", 0, 0, "Where `spotstream advisor fetch` and the periodic refresh download the Spot Advisor file from (http or https)"},
    {"advisor.refresh_interval_ms", PropertyType::Int, "0", 0, 8.64e8, "`run` downloads advisor.url into risk.spot_advisor_file at start and then this often (conditional GET; the reload thread swaps a new file in; a failed download keeps the last good file); 0: never"},
    {"postgres.enabled", PropertyType::Bool, "false", 0, 0, "Persist history (price ticks, signals, risk, decisions, dead letters) to PostgreSQL; offsets commit only once it is stored"},
    {"postgres.conninfo", PropertyType::String, "", 0, 0, "libpq connection string or URI (host=db dbname=spot user=spot / postgresql://...); empty: the PG* environment variables. Never printed"},
    {"postgres.migrate", PropertyType::Bool, "true", 0, 0, "Apply the schema migrations compiled in (schemas/sql/) at start-up"},
    {"postgres.writers", PropertyType::Int, "2", 1, 64, "Writer threads, each with its own connection and transactions (the server works on one transaction per connection)"},
    {"postgres.batch_rows", PropertyType::Int, "20000", 1, 1e7, "Most rows written in one transaction (one COPY per table)"},
    {"postgres.flush_interval_ms", PropertyType::Int, "200", 1, 600000, "Longest a row waits for its transaction to fill up"},
    {"postgres.queue_capacity", PropertyType::Int, "100000", 1000, 1e8, "Rows waiting for PostgreSQL before the processor waits (backpressure)"},
    {"postgres.retry_backoff_ms", PropertyType::Int, "100", 1, 600000, "First wait before retrying after the database was lost (doubles each time)"},
    {"postgres.retry_backoff_max_ms", PropertyType::Int, "5000", 1, 3.6e6, "Longest wait between retries"},
    {"postgres.startup_timeout_ms", PropertyType::Int, "60000", 0, 8.64e7, "How long start-up waits for the database before failing (0: forever)"},
    {"postgres.shutdown_timeout_ms", PropertyType::Int, "60000", 0, 8.64e7, "How long a stop waits for an unreachable database before exiting 1 with those offsets uncommitted (0: forever)"},
    {"model.file", PropertyType::String, "", 0, 0, "Risk model file (JSON: heuristic, logistic or xgboost; docs/risk-models.md); empty: the built-in heuristic-v1"},
    {"model.reload_interval_ms", PropertyType::Int, "1000", 0, 3.6e6, "How often model.file, risk.spot_advisor_file and catalog.on_demand_file are checked for changes; a changed, valid file is swapped in live (0: never)"},
    {"model.topic", PropertyType::String, "", 0, 0, "Kafka topic whose messages are model files (booster inline); each valid one is swapped in live, a bad one is refused (empty: none)"},
    {"decisions.enabled", PropertyType::Bool, "true", 0, 0, "Risk-driven decisions (SWITCH ranking); false: STAY on join, DRAIN/EVACUATE on signals only"},
    {"decisions.risk_source", PropertyType::String, "topic", 0, 0, "Where the risk table that ranks pools comes from: topic (every process reads spot.risk and its progress marks, so several processes in one group decide as one would; docs/scaling-and-delivery.md) or local (this process's own shards only: exact for a single process)"},
    {"decisions.mark_interval_ms", PropertyType::Int, "200", 10, 3.6e6, "With decisions.risk_source=topic: at most how often spot.risk progress marks are published (and only when a decision instant is crossed)"},
    {"decisions.input_grace_ms", PropertyType::Int, "5000", 0, 3.6e6, "Wall time a risk-driven decision waits, once its instant is decidable, when it relies on fleet or signals partitions read to their end: a join, leave or signal stamped before the instant that reaches Kafka within this time is still taken into account; later, decisions already made stand (docs/decisions.md 'Signals win')"},
    {"decisions.signal_scores_wait_ms", PropertyType::Int, "10000", 0, 3.6e6, "Wall time a signal's decision (its replacement pool and prices, from the risk table as of the signal's time) waits for the table to hold the scores of that time, when the signals are read ahead of the prices (a start, restart or takeover reading a backlog); once the prices are caught up, signals are decided at once. Then it goes on the scores the table has (logged). 0: never wait (docs/decisions.md 'Signals win')"},
    {"decisions.catch_up_ms", PropertyType::Int, "21600000", 0, 2.592e9, "Event time of decided instants and risk history kept, so nodes taken over from another process (rebalance, failover) are re-evaluated from their last published decision (default 6 h)"},
    {"decisions.instant_ms", PropertyType::Int, "300000", 1000, 8.64e7, "Event-time grid on which nodes are re-evaluated against the risk table (default 5 minutes)"},
    {"decisions.safety_gate", PropertyType::Double, "0.85", 0, 1, "Crash probability above which a pool is unsafe: never a target, and its nodes SWITCH"},
    {"decisions.min_gain_points", PropertyType::Double, "10", 0, 100, "Hysteresis: a SWITCH must gain more than this many stability points (100 x crash-probability drop)..."},
    {"decisions.min_gain_points_with_saving", PropertyType::Double, "5", 0, 100, "...or more than this many points together with a cost saving above decisions.min_saving"},
    {"decisions.min_saving", PropertyType::Double, "0.05", 0, 1, "Cost saving (fraction of the own pool's whole-instance hourly price) that lets a smaller gain switch"},
    {"decisions.min_dwell_ms", PropertyType::Int, "3600000", 0, 8.64e8, "A node's risk-driven decision does not change again within this much event time (safety-gate breaches excepted)"},
    {"decisions.family_cap", PropertyType::Double, "0.4", 0.01, 1, "SWITCH targets never put more than this fraction of a fleet's nodes in one instance family (at least one node always allowed)"},
    {"decisions.other_az_penalty", PropertyType::Double, "2", 0, 100, "Yield points taken off candidates in another AZ of the region (same AZ preferred; 100 keeps nodes in their AZ)"},
    {"decisions.consolidate", PropertyType::Bool, "false", 0, 0, "Consolidation plans: nodes of a fleet with the same type and needs that SWITCH at one instant go together onto one larger instance when it bills less than their targets one by one (plan id and node count on each decision)"},
    {"decisions.target_cooldown_ms", PropertyType::Int, "1800000", 0, 8.64e8, "A pool with an interruption notice for one of the fleet's instances within this much event time is never a SWITCH or EVACUATE target (0: off)"},
    {"decisions.sibling_reaction", PropertyType::String, "drain", 0, 0, "When a node gets an interruption notice, what the fleet's other nodes in its pool are told at once (why: sibling): drain, switch (to the best replacement) or none"},
    {"decisions.sibling_window_ms", PropertyType::Int, "600000", 0, 8.64e7, "Event-time window in which decisions.sibling_min_notices distinct instances of a pool must be noticed for the sibling reaction"},
    {"decisions.sibling_min_notices", PropertyType::Int, "1", 1, 1e6, "Distinct noticed instances of a pool within decisions.sibling_window_ms that trigger the sibling reaction"},
    {"decisions.sibling_on_rebalance", PropertyType::Bool, "false", 0, 0, "Rebalance recommendations trigger the sibling reaction too (off: they churn)"},
    {"decisions.max_band", PropertyType::Int, "3", 0, 4, "Highest Spot Advisor interruption band a candidate may have (3 = 15-20%; 4 admits >20%)"},
    {"mqtt.host", PropertyType::String, "", 0, 0, "MQTT broker host for `run`: interruption signals in from node agents, decisions out to retained topics (empty: no MQTT)"},
    {"mqtt.port", PropertyType::Int, "1883", 1, 65535, "MQTT broker port (8883 is the usual one for TLS)"},
    {"mqtt.client_id", PropertyType::String, "", 0, 0, "MQTT client id (empty: spotstream-<host>-<pid>); give each member a stable one with mqtt.clean_session=false to keep signals sent while it restarts"},
    {"mqtt.clean_session", PropertyType::Bool, "true", 0, 0, "Start each connection with a clean session (false: the broker keeps the subscriptions and queues QoS 1 signals while this client is away)"},
    {"mqtt.keepalive_s", PropertyType::Int, "30", 5, 3600, "MQTT keep-alive: a silent broker connection is found dead within 1.5 times this"},
    {"mqtt.username", PropertyType::String, "", 0, 0, "MQTT user name (empty: anonymous)"},
    {"mqtt.password", PropertyType::String, "", 0, 0, "MQTT password. Never printed or logged"},
    {"mqtt.tls_ca_file", PropertyType::String, "", 0, 0, "PEM file of the CAs to trust: set it to connect with TLS (the broker's certificate is verified)"},
    {"mqtt.tls_cert_file", PropertyType::String, "", 0, 0, "PEM client certificate, for brokers that require one (with mqtt.tls_key_file)"},
    {"mqtt.tls_key_file", PropertyType::String, "", 0, 0, "PEM private key of mqtt.tls_cert_file"},
    {"mqtt.signal_topics", PropertyType::String, "spot/signals/+/instance-action,spot/signals/+/rebalance", 0, 0, "Comma-separated topic filters the signals come on (QoS 1), each with one + level: the instance id. Payloads: IMDS spot/instance-action or rebalance bodies, canonical signals or EventBridge events"},
    {"mqtt.share_group", PropertyType::String, "spotstream", 0, 0, "Subscribe as $share/<group>/<filter>, so each signal reaches one member of a consumer group, not every one (empty: plain subscriptions)"},
    {"mqtt.decision_prefix", PropertyType::String, "spot/decisions", 0, 0, "Each decision is published retained (QoS 1) to <prefix>/<node id>, once Kafka has it; a node that leaves gets an empty retained message (its topic cleared). Empty: decisions are not published"},
    {"mqtt.buffer_max", PropertyType::Int, "100000", 1, 1e8, "Decisions held for MQTT while the broker is away; past it the oldest are dropped, counted and logged (Kafka is never held up)"},
    {"mqtt.max_inflight", PropertyType::Int, "100", 1, 65535, "Decisions handed to the MQTT client and not yet acknowledged by the broker (QoS 1)"},
    {"mqtt.reconnect_delay_s", PropertyType::Int, "1", 1, 3600, "First wait before reconnecting to a lost MQTT broker (growing each time)"},
    {"mqtt.reconnect_delay_max_s", PropertyType::Int, "30", 1, 3600, "Longest wait between reconnection attempts"},
    {"rest.port", PropertyType::Int, "8000", -1, 65535, "REST evaluation API port for `run` (0: any free port, printed; -1: disabled)"},
    {"rest.address", PropertyType::String, "127.0.0.1", 0, 0, "Address the REST evaluation API listens on"},
    {"rest.token", PropertyType::String, "", 0, 0, "Bearer token the admin HTTP server then requires (Authorization: Bearer <token>) on every endpoint but the probes GET /health and GET /ready; empty: none. Never printed"},
    {"rest.threads", PropertyType::Int, "64", 2, 4096, "REST worker threads: each open connection holds one while it is read, so this many idle or slow clients at once delay the others (up to rest.read_timeout_ms)"},
    {"rest.read_timeout_ms", PropertyType::Int, "2000", 100, 600000, "A REST connection that sends nothing (no request, or an idle keep-alive) for this long is closed"},
    {"rest.max_body_bytes", PropertyType::Int, "1048576", 1024, 1073741824, "Largest request body; a request announcing more gets 413 at once, before its body is read"},
    {"ready.max_lag", PropertyType::Int, "100000", 0, 1e15, "GET /ready answers 503 while any assigned input partition has more than this many messages not read yet (0: lag not checked)"},
    {"embedded.brokers", PropertyType::Int, "1", 1, 16, "Brokers in the embedded (mock) cluster used when no kafka.bootstrap.servers is set"},
    {"log.level", PropertyType::String, "info", 0, 0, "trace, debug, info, warn, error"},
    {"log.format", PropertyType::String, "text", 0, 0, "text (for terminals) or json (one JSON object per line: time, level, component, message, and topic, partition, offset, pool, node when the message names them)"},
};

bool is_secret(const std::string& key) {
  // A conninfo may carry a password (password=... or user:pass@ in a URI): never printed whole.
  return key.find("password") != std::string::npos || key.find("secret") != std::string::npos ||
         key.find("token") != std::string::npos ||
         key.find("conninfo") != std::string::npos ||
         key.find("sasl.oauthbearer.config") != std::string::npos;
}

std::string type_name(PropertyType t) {
  switch (t) {
    case PropertyType::Int: return "integer";
    case PropertyType::Double: return "number";
    case PropertyType::Bool: return "boolean";
    case PropertyType::String: return "string";
  }
  return "?";
}

void flatten(const YAML::Node& node, const std::string& prefix, Config& cfg) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) throw ConfigError("config keys under '" + prefix + "' must be names, not lists or maps");
      const auto k = kv.first.as<std::string>();
      flatten(kv.second, prefix.empty() ? k : prefix + "." + k, cfg);
    }
  } else if (node.IsScalar()) {
    cfg.set(prefix, node.as<std::string>());
  } else if (!node.IsNull()) {
    throw ConfigError("config key '" + prefix + "' must be a scalar or a map");
  }
}

constexpr std::string_view kEnvPrefix = "SPOTSTREAM_";
// SPOTSTREAM_* variables that are not configuration: the test drivers' and benchmarks' own.
const std::vector<std::string_view> kNotProperties = {"SPOTSTREAM_BIN", "SPOTSTREAM_KEEP_TMP", "SPOTSTREAM_FUZZ_SCALE"};

std::string yaml_scalar(const PropertySpec& s) {
  if (s.type != PropertyType::String) return s.default_value;
  std::string out = "\"";
  for (const char* c = s.default_value; *c; ++c) {
    if (*c == '"' || *c == '\\') out += '\\';
    out += *c;
  }
  return out + "\"";
}

}  // namespace

std::string Config::env_name(const std::string& key) {
  std::string name(kEnvPrefix);
  for (char c : key) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::vector<std::string> Config::load_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> unknown;
  for (const auto& [name, value] : env) {
    if (name.rfind(kEnvPrefix, 0) != 0) continue;
    if (std::find(kNotProperties.begin(), kNotProperties.end(), name) != kNotProperties.end()) continue;
    const auto spec = std::find_if(kSpecs.begin(), kSpecs.end(),
                                   [&name = name](const PropertySpec& p) { return env_name(p.name) == name; });
    try {
      if (spec != kSpecs.end()) {
        set(spec->name, value);
        continue;
      }
      if (name.rfind("SPOTSTREAM_KAFKA_", 0) == 0 && name.size() > 17) {
        std::string key = "kafka.";
        for (char c : name.substr(17)) key += c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        set(key, value);
        continue;
      }
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + " (from the environment variable " + name + ")");
    }
    unknown.push_back(name);
  }
  return unknown;
}

std::map<std::string, std::string> Config::process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

std::string Config::defaults_yaml() {
  std::ostringstream out;
  out << "# spotstream configuration: every property at its default (`spotstream config --defaults`).\n"
         "# Precedence: --set and flags > SPOTSTREAM_* environment > this file > defaults.\n"
         "# Keys under kafka: are passed to librdkafka verbatim (kafka: {security.protocol: SSL}).\n";
  std::string section;
  for (const auto& s : kSpecs) {
    const std::string name = s.name;
    const auto dot = name.find('.');
    if (name.substr(0, dot) != section) {
      section = name.substr(0, dot);
      out << "\n" << section << ":\n";
    }
    out << "  # " << s.description << "\n  # " << type_name(s.type);
    if ((s.type == PropertyType::Int || s.type == PropertyType::Double) && s.min > kNoMin && s.max < kNoMax)
      out << ", " << s.min << " .. " << s.max;
    out << "; env " << env_name(name) << "\n  " << name.substr(dot + 1) << ": " << yaml_scalar(s) << "\n";
  }
  return out.str();
}

Config::Config() {
  for (const auto& s : kSpecs) values_[s.name] = s.default_value;
}

const std::vector<PropertySpec>& Config::specs() { return kSpecs; }

const PropertySpec& Config::spec(const std::string& key) const {
  for (const auto& s : kSpecs)
    if (key == s.name) return s;
  throw ConfigError("unknown configuration key '" + key + "' (see `spotstream config` for the list)");
}

void Config::set(const std::string& key, const std::string& value) {
  if (key.rfind("kafka.", 0) == 0) {
    if (key.size() == 6) throw ConfigError("empty kafka property name");
    kafka_[key.substr(6)] = value;
    return;
  }
  const auto& s = spec(key);
  auto bad = [&](const std::string& why) {
    return ConfigError("invalid value '" + (is_secret(key) ? "***" : value) + "' for " + key + ": " + why);
  };
  switch (s.type) {
    case PropertyType::Int: {
      long long v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size()) throw bad("expected an integer");
      if (v < s.min || v > s.max) throw bad("must be between " + std::to_string((long long)s.min) + " and " + std::to_string((long long)s.max));
      break;
    }
    case PropertyType::Double: {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !std::isfinite(v)) throw bad("expected a number");
      if (v < s.min || v > s.max) {
        std::ostringstream b;
        b << "must be between " << s.min << " and " << s.max;
        throw bad(b.str());
      }
      break;
    }
    case PropertyType::Bool:
      if (value != "true" && value != "false") throw bad("expected true or false");
      break;
    case PropertyType::String:
      break;
  }
  values_[key] = value;
}

void Config::set_assignment(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError("expected key=value, got '" + assignment + "'");
  set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

void Config::load_yaml_file(const std::string& path) {
  try {
    flatten(YAML::LoadFile(path), "", *this);
  } catch (const YAML::Exception& e) {
    throw ConfigError("cannot read config file " + path + ": " + e.what());
  }
}

void Config::load_yaml_text(const std::string& text, const std::string& origin) {
  try {
    flatten(YAML::Load(text), "", *this);
  } catch (const YAML::Exception& e) {
    throw ConfigError("cannot read config " + origin + ": " + e.what());
  }
}

std::int64_t Config::get_int(const std::string& key) const {
  if (spec(key).type != PropertyType::Int) throw ConfigError(key + " is not an integer property");
  return std::stoll(values_.at(key));
}

double Config::get_double(const std::string& key) const {
  const auto t = spec(key).type;
  if (t != PropertyType::Double && t != PropertyType::Int) throw ConfigError(key + " is not a number property");
  return std::stod(values_.at(key));
}

bool Config::get_bool(const std::string& key) const {
  if (spec(key).type != PropertyType::Bool) throw ConfigError(key + " is not a boolean property");
  return values_.at(key) == "true";
}

const std::string& Config::get_string(const std::string& key) const {
  spec(key);
  return values_.at(key);
}

std::map<std::string, std::string> Config::kafka_properties() const { return kafka_; }

bool Config::has_brokers() const {
  auto it = kafka_.find("bootstrap.servers");
  return it != kafka_.end() && !it->second.empty();
}

std::string Config::describe() const {
  std::ostringstream out;
  for (const auto& s : kSpecs) {
    const auto& v = values_.at(s.name);
    out << s.name << " = " << (is_secret(s.name) && !v.empty() ? "***" : v) << "  (" << type_name(s.type);
    if (s.type == PropertyType::Int || s.type == PropertyType::Double) {
      if (s.min > kNoMin && s.max < kNoMax) out << ", " << s.min << ".." << s.max;
    }
    out << ", default " << s.default_value << ")\n    " << s.description << "\n";
  }
  for (const auto& [k, v] : kafka_) out << "kafka." << k << " = " << (is_secret(k) ? "***" : v) << "  (passed to librdkafka)\n";
  return out.str();
}

}  // namespace spotstream
