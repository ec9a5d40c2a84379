#include "src/rest/metrics_exposition.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <sstream>

#include "src/codec/dlq_reason.hpp"
#include "src/model/model_loader.hpp"
#include "src/model/risk_model.hpp"

namespace spotstream {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

MetricFamily& family(std::vector<MetricFamily>& out, std::string name, std::string help, MetricType type) {
  out.push_back(MetricFamily{std::move(name), std::move(help), type, {}});
  return out.back();
}

void add(MetricFamily& f, double value, Labels labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

MetricFamily& counter(std::vector<MetricFamily>& out, std::string name, std::string help, const Counter& c) {
  auto& f = family(out, std::move(name), std::move(help), MetricType::Counter);
  add(f, static_cast<double>(c.get()));
  return f;
}

MetricFamily& gauge(std::vector<MetricFamily>& out, std::string name, std::string help, double value) {
  auto& f = family(out, std::move(name), std::move(help), MetricType::Gauge);
  add(f, value);
  return f;
}

void add_histogram(MetricFamily& f, const Histogram& h, Labels labels = {}) {
  const auto s = h.snapshot();
  ClientMetric m;
  m.label = std::move(labels);
  m.histogram.sample_count = s.count;
  m.histogram.sample_sum = s.sum;
  for (std::size_t i = 0; i < s.bounds.size(); ++i) m.histogram.bucket.push_back({s.below[i], s.bounds[i]});
  m.histogram.bucket.push_back({s.count, std::numeric_limits<double>::infinity()});
  f.metric.push_back(std::move(m));
}

void gauge_table(std::vector<MetricFamily>& out, std::string name, std::string help, const GaugeTable& t) {
  auto& f = family(out, std::move(name), std::move(help), MetricType::Gauge);
  for (const auto& row : t.rows()) {
    Labels labels;
    for (std::size_t i = 0; i < t.label_names().size() && i < row.labels.size(); ++i)
      labels.push_back({t.label_names()[i], row.labels[i]});
    add(f, static_cast<double>(row.value), std::move(labels));
  }
}

}  // namespace

MetricsExposition::MetricsExposition(const ProcessMetrics& metrics, std::shared_ptr<const DecisionServices> services)
    : metrics_(metrics), services_(std::move(services)) {}

void MetricsExposition::collect_input(std::vector<MetricFamily>& out) const {
  const auto& m = metrics_;
  auto& in = family(out, "spot_input_events_total", "Input events read live (not re-read), by input", MetricType::Counter);
  add(in, static_cast<double>(m.prices_in.get()), {{"input", "prices"}});
  add(in, static_cast<double>(m.signals_in.get()), {{"input", "signals"}});
  add(in, static_cast<double>(m.fleet_in.get()), {{"input", "fleet"}});
  counter(out, "spot_input_messages_total", "Input messages read live", m.messages_in);
  counter(out, "spot_input_messages_replayed_total", "Input messages re-read to rebuild state (warm start, restart)",
          m.messages_replayed);
  counter(out, "spot_input_messages_lost_total", "Input messages removed by retention before they were read",
          m.messages_lost);
  auto& dlq = family(out, "spot_dead_letters_total", "Bad input sent to the dead-letter topic, by reason",
                     MetricType::Counter);
  for (auto reason : DlqCounters::kReasons) add(dlq, static_cast<double>(m.dlq.get(reason)), {{"reason", std::string(reason)}});
  add(family(out, "spot_dead_letter_payloads_dropped_total", "Dead letters written without their bytes: more than "
             "limits.dlq_per_second in a second", MetricType::Counter),
      static_cast<double>(m.dlq.payloads_dropped()));
  auto& late = family(out, "spot_late_ticks_total", "Price ticks older than their partition's watermark minus the "
                      "allowed lateness (dead-lettered as late)", MetricType::Counter);
  add(late, static_cast<double>(m.dlq.get(dlq::kLate)));
  gauge(out, "spot_partitions_assigned", "Input partitions assigned to this process", static_cast<double>(m.partitions_now.get()));
  gauge(out, "spot_partitions_warming", "Assigned partitions whose history is still being re-read (warm start)",
        static_cast<double>(m.partitions_warming.get()));
  gauge(out, "spot_warming", "1 while the process has no partition yet or is re-reading history (warm-up)",
        m.started.get() == 0 || m.partitions_now.get() == 0 || m.partitions_warming.get() > 0 ? 1 : 0);
  const auto stalled = m.stalled_feeds.snapshot().feeds;
  gauge(out, "spot_price_partitions_stalled", "Price partitions read to their end and behind the others by more than "
        "feeds.stale_after_ms (their pools are stale)", static_cast<double>(stalled.size()));
  auto& behind = family(out, "spot_price_partition_stalled_seconds",
                        "How far (event time) each stalled price partition is behind the others", MetricType::Gauge);
  for (const auto& f : stalled)
    add(behind, static_cast<double>(f.behind_ms) / 1000.0,
        {{"topic", f.partition.first}, {"partition", std::to_string(f.partition.second)}});
  gauge_table(out, "spot_consumer_lag_messages", "Messages on the broker not read yet, per assigned input partition",
              m.consumer_lag);
}

void MetricsExposition::collect_processing(std::vector<MetricFamily>& out) const {
  const auto& m = metrics_;
  counter(out, "spot_events_processed_total", "Events the shards have finished with (replayed included)", m.events_processed);
  gauge_table(out, "spot_shard_queue_depth", "Events queued per shard", m.shard_queue_depth);
  counter(out, "spot_ticks_held_total", "Price ticks held until the fleet and signals inputs reached their time",
          m.ticks_held);
  counter(out, "spot_ticks_released_early_total", "Held price ticks let go before those inputs got there (hold full)",
          m.ticks_released_early);
  counter(out, "spot_duplicate_ticks_total", "Price ticks repeating one already held (same pool, time and price)",
          m.duplicate_ticks);
  counter(out, "spot_risk_records_total", "spot.risk records emitted", m.risk_records);
  gauge(out, "spot_pools", "Spot pools the process keeps a window for (limits.max_pools)", static_cast<double>(m.pools.get()));
  auto& stage = family(out, "spot_stage_seconds", "Latency per stage: poll to a shard taking the event up (shard_wait); "
                       "poll to every output of its input batch stored (batch)", MetricType::Histogram);
  add_histogram(stage, m.shard_wait_seconds, {{"stage", "shard_wait"}});
  add_histogram(stage, m.batch_seconds, {{"stage", "batch"}});
  counter(out, "spot_commits_total", "Offset commits (or transactions) that stored progress", m.commits);
}

void MetricsExposition::collect_decisions(std::vector<MetricFamily>& out) const {
  const auto& m = metrics_;
  auto& d = family(out, "spot_decision_total", "Decisions published, by decision and why", MetricType::Counter);
  for (auto k : {DecisionKind::Stay, DecisionKind::Switch, DecisionKind::Drain, DecisionKind::Evacuate})
    for (std::size_t w = 0; w < DecisionMetrics::kWhys.size(); ++w) {
      const auto n = m.decisions_by_why[static_cast<std::size_t>(k)][w].get();
      // Every kind shows with why="" so the series exist before the first decision.
      if (n == 0 && w != 0) continue;
      add(d, static_cast<double>(n), {{"decision", to_string(k)}, {"why", std::string(DecisionMetrics::kWhys[w])}});
    }
  auto& latency = family(out, "spot_signal_decision_seconds",
                         "From an AWS signal's poll to the decision it caused being handed to the sink",
                         MetricType::Histogram);
  add_histogram(latency, m.signal_decision_seconds);
  counter(out, "spot_signals_unknown_instance_total", "Signals for instances not (yet) in the fleet",
          m.unknown_instance_signals);
  counter(out, "spot_signals_parked_expired_total", "Parked signals that expired unmatched", m.parked_signals_expired);
  counter(out, "spot_signals_parked_overflow_total", "Signals not parked: the parked table was full",
          m.parked_signals_overflow);
  counter(out, "spot_signal_decisions_waited_total",
          "Signal decisions that waited for the risk table to hold the scores of their time", m.signal_decisions_waited);
  counter(out, "spot_signal_decisions_unscored_total",
          "Signal decisions that went on the scores the table had after decisions.signal_scores_wait_ms",
          m.signal_decisions_unscored);
  gauge(out, "spot_fleet_nodes", "Fleet nodes the process holds (limits.max_fleet_nodes)",
        static_cast<double>(m.fleet_nodes.get()));
  counter(out, "spot_risk_table_records_total", "spot.risk records read into the risk table", m.risk_table_records);
  if (!services_) return;
  gauge(out, "spot_risk_table_pools", "Pools with a score in the risk table decisions rank",
        static_cast<double>(services_->table.pools()));
  const auto through = services_->table.complete_through();
  gauge(out, "spot_risk_table_complete_through_seconds",
        "Event time (Unix seconds) up to which every feeder of the risk table is complete (0: not yet)",
        through > 0 ? static_cast<double>(through) / 1000.0 : 0.0);
}

void MetricsExposition::collect_sinks(std::vector<MetricFamily>& out) const {
  const auto& m = metrics_;
  counter(out, "spot_outputs_delivered_total", "Outputs acknowledged by Kafka", m.outputs_delivered);
  counter(out, "spot_delivery_failures_total", "Outputs Kafka refused (each stops the process)", m.delivery_failures);
  counter(out, "spot_history_rows_written_total", "Rows stored in PostgreSQL", m.history_rows_written);
  counter(out, "spot_history_retries_total", "PostgreSQL writes retried after the database was lost", m.history_retries);
  gauge(out, "spot_history_writers_failing", "PostgreSQL writers retrying after losing the database (an outage when > 0)",
        static_cast<double>(m.history_writers_failing.get()));
  auto& rows = family(out, "spot_history_batch_rows", "Rows per PostgreSQL transaction", MetricType::Histogram);
  add_histogram(rows, m.history_batch_rows);
}

void MetricsExposition::collect_model(std::vector<MetricFamily>& out) const {
  const auto& m = metrics_;
  counter(out, "spot_model_reloads_total", "Model files validated and swapped in live", m.model_reloads);
  counter(out, "spot_model_rejects_total", "Model files refused (the previous model stays)", m.model_rejects);
  counter(out, "spot_advisor_reloads_total", "Spot Advisor files reloaded", m.advisor_reloads);
  counter(out, "spot_advisor_rejects_total", "Spot Advisor files refused (the previous data stays)", m.advisor_rejects);
  counter(out, "spot_on_demand_reloads_total", "On-demand catalogue files reloaded", m.on_demand_reloads);
  counter(out, "spot_on_demand_rejects_total", "On-demand catalogue files refused (the previous catalogue stays)",
          m.on_demand_rejects);
  counter(out, "spot_advisor_fetches_total", "Spot Advisor downloads tried by the periodic refresh", m.advisor_fetches);
  counter(out, "spot_advisor_fetch_failures_total", "Spot Advisor downloads that failed (the last good file stays)",
          m.advisor_fetch_failures);
  if (!services_) return;
  auto model = services_->scoring->snapshot().model;
  if (!model) model = builtin_model();
  auto& info = family(out, "spot_model_info", "The risk model scoring now (value 1)", MetricType::Gauge);
  add(info, 1, {{"kind", model->info().kind}, {"name", model->info().name}, {"version", model->info().version}});
}

void MetricsExposition::collect_mqtt(std::vector<MetricFamily>& out) const {
  const auto& m = metrics_.mqtt;
  counter(out, "spot_mqtt_signals_in_total", "Messages received on the MQTT signal topics", m.signals_in);
  counter(out, "spot_mqtt_signals_forwarded_total", "MQTT signals written to the signals topic (acknowledged by Kafka)",
          m.signals_forwarded);
  counter(out, "spot_mqtt_signals_dead_total", "MQTT messages that were no signal: written to the dead letters",
          m.signals_dead);
  counter(out, "spot_mqtt_signals_failed_total", "MQTT signals lost: Kafka refused them or too many waited",
          m.signals_failed);
  counter(out, "spot_mqtt_decisions_out_total", "Decisions (and clears) acknowledged by the MQTT broker", m.decisions_out);
  counter(out, "spot_mqtt_decisions_dropped_total", "Decisions dropped while the MQTT broker was away (buffer full)",
          m.decisions_dropped);
  counter(out, "spot_mqtt_publish_errors_total", "MQTT publishes the client refused (tried again)", m.publish_errors);
  counter(out, "spot_mqtt_connects_total", "MQTT connections made (the first and each reconnection)", m.connects);
  counter(out, "spot_mqtt_disconnects_total", "MQTT connections lost", m.disconnects);
  gauge(out, "spot_mqtt_connected", "1 while connected to the MQTT broker", static_cast<double>(m.connected.get()));
  gauge(out, "spot_mqtt_buffered", "Decisions waiting for the MQTT broker (buffered or unacknowledged)",
        static_cast<double>(m.buffered.get()));
}

std::vector<MetricFamily> MetricsExposition::collect() const {
  std::vector<MetricFamily> out;
  collect_input(out);
  collect_processing(out);
  collect_decisions(out);
  collect_sinks(out);
  collect_model(out);
  collect_mqtt(out);
  return out;
}

std::string MetricsExposition::text() const {
  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, collect());
  return os.str();
}

}  // namespace spotstream
