#include "src/runtime/memory_sink.hpp"

#include <iterator>

namespace spotstream {

class MemorySink::ListLane : public OutputSink::Lane {
 public:
  ListLane(std::shared_ptr<std::vector<Output>> list, RuntimeMetrics& metrics) : list_(std::move(list)), metrics_(metrics) {}
  void push(std::vector<Output>& outputs) override {
    if (outputs.empty()) return;
    for (auto& o : outputs) {
      if (o.batch) o.batch->done();
      o.batch = nullptr;  // freed once complete
      // Records already on Kafka and Kafka's progress marks have no place in memory.
      if (!o.history_only && o.partition < 0) list_->push_back(std::move(o));
    }
    metrics_.outputs_delivered.inc(outputs.size());
    outputs.clear();
  }

 private:
  std::shared_ptr<std::vector<Output>> list_;
  RuntimeMetrics& metrics_;
};

std::unique_ptr<OutputSink::Lane> MemorySink::lane() {
  auto list = std::make_shared<std::vector<Output>>();
  {
    std::lock_guard lock(mu_);
    lists_.push_back(list);
  }
  return std::make_unique<ListLane>(std::move(list), metrics_);
}

std::vector<Output> MemorySink::take() {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& l : lists_) n += l->size();
  std::vector<Output> all;
  all.reserve(n);
  for (auto& l : lists_) {
    all.insert(all.end(), std::make_move_iterator(l->begin()), std::make_move_iterator(l->end()));
    l->clear();
  }
  return all;
}

}  // namespace spotstream
