#include "src/storage/history_tables.hpp"

#include <bit>
#include <charconv>
#include <cmath>

#include "src/codec/json_encoder.hpp"
#include "src/core/hash.hpp"

namespace spotstream {

namespace {

constexpr std::array<HistoryTableSpec, kHistoryTables> kTables = {{
    {"price_ticks", "ts, tick_id, region, az, instance_type, product, spot_price, on_demand_price", "ts, tick_id"},
    {"risk_scores", "pool, ts, model, region, az, instance_type, product, crash_probability, stability, label, record",
     "pool, ts, model"},
    {"decisions",
     "decision_id, ts, kind, fleet, node_id, instance_id, pool, target, model, reason, record, why, "
     "current_price_per_hour, target_price_per_hour, estimated_saving_per_hour, plan, plan_nodes, plan_price_per_hour",
     "decision_id"},
    {"signals", "signal_id, ts, kind, action, instance_id, region, az, event_id, action_time, format", "signal_id"},
    {"dead_letters",
     "dlq_id, ts, reason, detail, source_topic, source_partition, source_offset, key, payload, payload_bytes, truncated",
     "dlq_id"},
}};

// Decimal text of an integer, on the stack: ids hash text so they do not depend on byte order.
struct Num {
  char buf[24];
  std::string_view sv;
  explicit Num(std::int64_t v) {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    sv = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
  }
};

}  // namespace

const HistoryTableSpec& history_table(HistoryTable t) { return kTables[static_cast<std::size_t>(t)]; }

std::int64_t price_tick_id(const PriceTick& t) {
  const Num ts(t.ts), price(static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(t.spot_price)));
  return static_cast<std::int64_t>(fnv1a64_fields({t.az, t.instance_type, t.product, ts.sv, price.sv}));
}

std::int64_t signal_id(const Signal& s) {
  const Num ts(s.ts), at(s.action_time);
  return static_cast<std::int64_t>(fnv1a64_fields({to_string(s.kind), to_string(s.action), s.instance_id, ts.sv, at.sv}));
}

std::size_t HistoryEncoder::rows() const {
  std::size_t n = 0;
  for (const auto& s : streams_) n += s.rows();
  return n;
}

void HistoryEncoder::clear() {
  for (auto& s : streams_) s.clear();
}

bool HistoryEncoder::add(const HistoryItem& item, std::string& error) {
  if (const auto* t = std::get_if<PriceTick>(&item.row)) {
    add_tick(*t);
    return true;
  }
  if (const auto* s = std::get_if<Signal>(&item.row)) {
    add_signal(*s);
    return true;
  }
  return add_output(std::get<Output>(item.row), error);
}

void HistoryEncoder::add_tick(const PriceTick& t) {
  auto& w = stream(HistoryTable::PriceTicks);
  w.begin_row(8);
  w.timestamptz_ms(t.ts);
  w.int8(price_tick_id(t));
  w.text(t.region);
  w.text(t.az);
  w.text(t.instance_type);
  w.text(t.product);
  w.float8(t.spot_price);
  if (t.has_on_demand()) w.float8(t.on_demand_price);
  else w.null();
}

void HistoryEncoder::add_signal(const Signal& s) {
  auto& w = stream(HistoryTable::Signals);
  w.begin_row(10);
  w.int8(signal_id(s));
  w.timestamptz_ms(s.ts);
  w.text(to_string(s.kind));
  w.text(to_string(s.action));
  w.text(s.instance_id);
  w.text_or_null(s.region);
  w.text_or_null(s.az);
  w.text_or_null(s.event_id);
  if (s.action_time != 0) w.timestamptz_ms(s.action_time);
  else w.null();
  w.text(to_string(s.format));
}

bool HistoryEncoder::add_output(const Output& o, std::string& error) {
  // Outputs arrive as the records published on Kafka; the codec reads them back, so the columns
  // are exactly what consumers of the topics see, and the whole record is kept as json.
  switch (o.topic) {
    case OutputTopic::Decisions: {
      if (o.value.empty()) return true;  // a departed node's tombstone: its decisions stay in the history
      const auto d = decode_decision(o.value);
      if (!d) return error = "unreadable decision record", false;
      auto& w = stream(HistoryTable::Decisions);
      w.begin_row(18);
      w.text(d->decision_id);
      w.timestamptz_ms(d->ts);
      w.text(to_string(d->kind));
      w.text(d->fleet);
      w.text(d->node_id);
      w.text(d->instance_id);
      w.text(PoolId::text(d->az, d->instance_type, d->product));
      w.text_or_null(d->target);
      w.text(d->model);
      w.text(d->reason);
      w.json(o.value);
      w.text_or_null(d->why);
      const auto float8_or_null = [&](double v) {
        if (std::isnan(v)) w.null();
        else w.float8(v);
      };
      for (const double v : {d->current_price_per_hour, d->target_price_per_hour, d->estimated_saving_per_hour()})
        float8_or_null(v);
      w.text_or_null(d->plan);
      if (d->plan.empty()) w.null();
      else w.int4(d->plan_nodes);
      float8_or_null(d->plan_price_per_hour);
      return true;
    }
    case OutputTopic::Risk: {
      const auto r = decode_risk_record(o.value);
      if (!r) return error = "unreadable risk record", false;
      auto& w = stream(HistoryTable::RiskScores);
      w.begin_row(11);
      w.text(r->pool);
      w.timestamptz_ms(r->ts);
      w.text(r->score.model);
      w.text(r->region);
      w.text(r->az);
      w.text(r->instance_type);
      w.text(r->product);
      w.float8(r->score.crash_probability);
      w.float8(r->score.stability);
      w.text(r->score.label);
      w.json(o.value);
      return true;
    }
    case OutputTopic::Dlq: {
      const auto r = decode_dead_letter(o.value);
      if (!r) return error = "unreadable dead-letter record", false;
      const auto& l = r->letter;
      const Num part(l.source.partition), off(l.source.offset);
      auto& w = stream(HistoryTable::DeadLetters);
      w.begin_row(11);
      w.int8(static_cast<std::int64_t>(fnv1a64_fields({l.source.topic, part.sv, off.sv, l.reason, l.detail})));
      if (l.ts != 0) w.timestamptz_ms(l.ts);
      else w.null();
      w.text(l.reason);
      w.text(l.detail);
      w.text(l.source.topic);
      w.int4(l.source.partition);
      w.int8(l.source.offset);
      w.bytea(l.key);
      w.bytea(l.payload);
      w.int4(static_cast<std::int32_t>(r->payload_bytes));
      w.boolean(r->truncated);
      return true;
    }
  }
  return error = "unknown output topic", false;
}

}  // namespace spotstream
