#include "src/runtime/memory_sink.hpp"

namespace spotstream {

class MemorySink::StoreLane : public OutputSink::Lane {
 public:
  StoreLane(OutputStore& store, RuntimeMetrics& metrics) : store_(store), metrics_(metrics) {}
  void push(std::vector<Output>& outputs) override {
    if (outputs.empty()) return;
    for (auto& o : outputs) {
      // Records already on Kafka and Kafka's progress marks have no place in memory.
      if (!o.history_only && o.partition < 0) store_.add(o);
      if (o.batch) o.batch->done();
    }
    metrics_.outputs_delivered.inc(outputs.size());
    outputs.clear();
  }

 private:
  OutputStore& store_;
  RuntimeMetrics& metrics_;
};

std::unique_ptr<OutputSink::Lane> MemorySink::lane() {
  std::lock_guard lock(mu_);
  stores_.push_back(std::make_unique<OutputStore>());
  return std::make_unique<StoreLane>(*stores_.back(), metrics_);
}

StoredOutputs MemorySink::take() {
  std::lock_guard lock(mu_);
  StoredOutputs all;
  std::size_t n = 0;
  for (const auto& s : stores_) n += s->records().size();
  all.records.reserve(n);
  for (auto& s : stores_) {
    all.records.insert(all.records.end(), s->records().begin(), s->records().end());
    all.stores.push_back(std::move(s));
  }
  stores_.clear();
  return all;
}

}  // namespace spotstream
