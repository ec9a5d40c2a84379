#pragma once
//! Outputs kept in memory (a replay's results): each record's key and value bytes copied into
//! large chunks of huge-page-backed memory, so that a million records cost a few hundred page
//! faults instead of one per few records, and the strings the shards encoded into are freed and
//! reused at once. Written by one thread; read once that thread is done.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "src/runtime/output.hpp"

namespace spotstream {

class OutputStore {
 public:
  //! One stored output; the views point into the store and live as long as it does.
  struct Record {
    OutputTopic topic;
    std::int64_t ts;
    std::string_view key, value;
  };

  OutputStore() = default;
  OutputStore(OutputStore&&) noexcept = default;
  OutputStore& operator=(OutputStore&&) noexcept = default;
  ~OutputStore();

  void add(const Output& o);
  const std::vector<Record>& records() const { return records_; }

 private:
  struct Chunk {
    char* data = nullptr;
    std::size_t size = 0, used = 0;
  };
  char* reserve(std::size_t n);
  std::vector<Chunk> chunks_;
  std::vector<Record> records_;
};

//! Every output of a replay: the stores of its sink's lanes, and all their records in lane order.
struct StoredOutputs {
  std::vector<std::unique_ptr<OutputStore>> stores;
  std::vector<OutputStore::Record> records;
};

}  // namespace spotstream
