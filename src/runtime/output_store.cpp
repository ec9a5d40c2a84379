#include "src/runtime/output_store.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace spotstream {

namespace {
constexpr std::size_t kChunkBytes = std::size_t{64} << 20;
}  // namespace

OutputStore::~OutputStore() {
  for (const auto& c : chunks_) munmap(c.data, c.size);
}

char* OutputStore::reserve(std::size_t n) {
  if (chunks_.empty() || chunks_.back().size - chunks_.back().used < n) {
    const std::size_t size = std::max(kChunkBytes, n);
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, size, MADV_HUGEPAGE);  // advice only: ordinary pages where the kernel has none
    chunks_.push_back(Chunk{static_cast<char*>(p), size, 0});
  }
  auto& c = chunks_.back();
  char* at = c.data + c.used;
  c.used += n;
  return at;
}

void OutputStore::add(const Output& o) {
  char* at = reserve(o.key.size() + o.value.size());
  std::memcpy(at, o.key.data(), o.key.size());
  std::memcpy(at + o.key.size(), o.value.data(), o.value.size());
  records_.push_back(Record{o.topic, o.ts, std::string_view(at, o.key.size()),
                            std::string_view(at + o.key.size(), o.value.size())});
}

}  // namespace spotstream
