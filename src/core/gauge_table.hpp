#pragma once
//! Gauges labelled by a small, bounded set of values (a shard, a partition), replaced as a whole by
//! the thread that owns what they measure and read from any thread (a scrape). A mutex: written a
//! few times a second, never on a per-event path.
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace spotstream {

class GaugeTable {
 public:
  struct Row {
    std::vector<std::string> labels;  //!< values, in the order of the table's label names
    std::int64_t value = 0;
  };

  explicit GaugeTable(std::vector<std::string> label_names) : names_(std::move(label_names)) {}
  const std::vector<std::string>& label_names() const { return names_; }

  void replace(std::vector<Row> rows) {
    std::lock_guard lock(mu_);
    rows_ = std::move(rows);
  }
  std::vector<Row> rows() const {
    std::lock_guard lock(mu_);
    return rows_;
  }

 private:
  std::vector<std::string> names_;
  mutable std::mutex mu_;
  std::vector<Row> rows_;
};

}  // namespace spotstream
