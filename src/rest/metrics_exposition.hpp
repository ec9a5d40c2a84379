#pragma once
//! The process's metrics in the Prometheus text format (GET /metrics), through the Prometheus C++
//! client's data model and serializer (Debian prometheus-cpp-dev). The counters stay where they
//! are counted (RuntimeMetrics, PriceMetrics, DecisionMetrics, ModelMetrics); a scrape reads them
//! live, so there is one count of each thing, not a copy kept in step. Labels are bounded sets
//! (inputs, reasons, decision kinds, shards, partitions): never a node or a pool.
//! Any thread: reads only atomics and thread-safe shared state.
#include <memory>
#include <string>
#include <vector>

#include "topology/decision_services.hpp"
#include "topology/process_metrics.hpp"

namespace prometheus {
struct MetricFamily;
}

namespace spotstream {

class MetricsExposition {
 public:
  //! The content type of text() (the Prometheus text exposition format 0.0.4).
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

  //! `services` may be null (no model or risk-table metrics).
  MetricsExposition(const ProcessMetrics& metrics, std::shared_ptr<const DecisionServices> services);

  std::vector<prometheus::MetricFamily> collect() const;
  std::string text() const;

 private:
  void collect_input(std::vector<prometheus::MetricFamily>& out) const;
  void collect_processing(std::vector<prometheus::MetricFamily>& out) const;
  void collect_decisions(std::vector<prometheus::MetricFamily>& out) const;
  void collect_sinks(std::vector<prometheus::MetricFamily>& out) const;
  void collect_mqtt(std::vector<prometheus::MetricFamily>& out) const;
  void collect_model(std::vector<prometheus::MetricFamily>& out) const;

  const ProcessMetrics& metrics_;
  std::shared_ptr<const DecisionServices> services_;
};

}  // namespace spotstream
