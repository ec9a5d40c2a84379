#include "src/codec/price_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/event_decoder.hpp"
#include "src/core/hash.hpp"

namespace spotstream {

namespace {

//! A file's bytes. A regular file is mapped from the page cache rather than copied: a replay's
//! input can be gigabytes, and fresh memory costs a page fault per page in a VM. Anything else (a
//! pipe, /dev/stdin) is read.
class FileBytes {
 public:
  explicit FileBytes(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(path + ": cannot open file: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      size_ = static_cast<std::size_t>(st.st_size);
      map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (map_ == MAP_FAILED) map_ = nullptr;
    }
    const bool read = map_ != nullptr || read_all(fd);
    const int read_errno = errno;
    ::close(fd);
    if (!read) throw std::runtime_error(path + ": read error: " + std::strerror(read_errno));
  }
  ~FileBytes() {
    if (map_ != nullptr) ::munmap(map_, size_);
  }
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  std::string_view view() const {
    return map_ != nullptr ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(read_);
  }

 private:
  //! Appends everything `fd` gives to read_; false (errno set) on a read error.
  bool read_all(int fd) {
    char chunk[1 << 16];
    for (;;) {
      const auto n = ::read(fd, chunk, sizeof chunk);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      read_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string read_;
};

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

void take_ticks(std::vector<Event>& events, std::vector<PriceTick>& out) {
  for (auto& e : events) out.push_back(std::move(std::get<PriceTick>(e)));
  events.clear();
}

}  // namespace

namespace {

// What one thread decoded of a run of JSON lines.
struct DecodedLines {
  std::vector<PriceTick> ticks;
  std::vector<BadLine> bad;  //!< line numbers counted from the chunk's start (1-based)
  std::size_t lines = 0;     //!< lines in the chunk
  std::string error;         //!< set when a bad line stops the file (no `bad` list given)
  std::size_t error_line = 0;
};

// Decodes the JSON lines of `chunk`. `file_start`: the chunk starts the file, whose first line
// decides whether it is JSON lines at all (else `whole` says what the whole document is not).
// `room_for`: the text whose lines `out.ticks` reserves room for (a tick a line, mostly): the
// first chunk takes the whole file's, so the others are appended to it without a new copy.
void decode_lines(const std::string& path, std::string_view chunk, bool file_start, const DecodeError& whole,
                  bool keep_bad, std::string_view room_for, DecodedLines& out) {
  EventDecoder decoder(DecodeLimits{.max_message_bytes = chunk.size(), .max_price = DecodeLimits{}.max_price});
  std::vector<Event> events;
  std::size_t& line_no = out.lines;
  out.ticks.reserve(static_cast<std::size_t>(std::count(room_for.begin(), room_for.end(), '\n')) + 1);
  std::size_t start = 0;
  bool first = file_start;
  while (start < chunk.size()) {
    auto end = chunk.find('\n', start);
    if (end == std::string_view::npos) end = chunk.size();
    const std::string_view line = chunk.substr(start, end - start);
    ++line_no;
    start = end + 1;
    if (blank(line)) continue;
    DecodeError error;
    if (!decoder.decode(InputKind::Prices, {}, line, events, error)) {
      // A file whose first line is not JSON is not JSON lines: say what the whole file is not.
      if (first && error.reason == dlq::kMalformedJson) {
        out.error = path + ": " + whole.reason + ": " + whole.detail;
        return;
      }
      if (!keep_bad) {
        out.error = error.reason + ": " + error.detail;
        out.error_line = line_no;
        return;
      }
      out.bad.push_back(BadLine{path, line_no, error, std::string(line)});
      events.clear();
      first = false;
      continue;
    }
    take_ticks(events, out.ticks);
    first = false;
  }
}

// Large files are decoded on several threads, each a run of whole lines.
constexpr std::size_t kBytesPerThread = 8 << 20;

}  // namespace

std::vector<PriceTick> read_price_file(const std::string& path, std::vector<BadLine>* bad) {
  const FileBytes bytes(path);
  return read_price_text(path, bytes.view(), bad);
}

std::vector<PriceTick> read_price_text(const std::string& path, std::string_view data, std::vector<BadLine>* bad) {
  if (blank(data)) throw std::runtime_error(path + ": empty file");
  // A whole CLI response can be far larger than one Kafka message may be.
  EventDecoder decoder(DecodeLimits{.max_message_bytes = data.size(), .max_price = DecodeLimits{}.max_price});
  std::vector<Event> events;
  std::vector<PriceTick> ticks;
  DecodeError whole;
  // A first line that decodes on its own starts JSON lines: no need to parse the whole file as one
  // document first (a pretty-printed document's first line is "{").
  const std::string_view first_line(data.data(), std::min(data.find('\n'), data.size()));
  const bool lines = first_line.size() < data.size() && decoder.decode(InputKind::Prices, {}, first_line, events, whole);
  events.clear();
  if (!lines && decoder.decode(InputKind::Prices, {}, data, events, whole)) {
    take_ticks(events, ticks);
    return ticks;
  }
  // Not one document: JSON lines. A pretty-printed document fails on its first line ("{") as
  // malformed JSON, and then the whole-document error is the one that explains the problem.
  const auto hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t parts = std::clamp<std::size_t>(data.size() / kBytesPerThread, 1, std::min(hw, 8u));
  std::vector<std::string_view> chunks;
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= parts && begin < data.size(); ++i) {
    // Each chunk but the last ends just after a newline.
    const std::size_t newline = i == parts ? std::string::npos : data.find('\n', data.size() * i / parts);
    const std::size_t end = newline == std::string::npos ? data.size() : std::max(newline + 1, begin);
    chunks.emplace_back(data.data() + begin, end - begin);
    begin = end;
  }
  std::vector<DecodedLines> decoded(chunks.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < chunks.size(); ++i)
      threads.emplace_back([&, i] { decode_lines(path, chunks[i], false, whole, bad != nullptr, chunks[i], decoded[i]); });
    decode_lines(path, chunks[0], true, whole, bad != nullptr, data, decoded[0]);
  }
  std::size_t lines_before = 0, total = 0;  // every chunk ends with a newline, but the last
  for (const auto& d : decoded) total += d.ticks.size();
  for (auto& d : decoded) {
    if (!d.error.empty() && d.error_line == 0) throw std::runtime_error(d.error);  // not JSON lines at all
    if (!d.error.empty())
      throw std::runtime_error(path + ":" + std::to_string(lines_before + d.error_line) + ": " + d.error);
    if (ticks.empty()) {
      ticks.swap(d.ticks);  // the first chunk's, with room for all
      ticks.reserve(total);
    } else {
      ticks.insert(ticks.end(), std::make_move_iterator(d.ticks.begin()), std::make_move_iterator(d.ticks.end()));
    }
    std::vector<PriceTick>().swap(d.ticks);
    for (auto& b : d.bad) {
      b.line += lines_before;
      if (bad) bad->push_back(std::move(b));
    }
    lines_before += d.lines;
  }
  return ticks;
}

std::vector<PriceTick> read_price_files(const std::vector<std::string>& paths, std::vector<BadLine>* bad) {
  std::vector<PriceTick> all;
  for (const auto& p : paths) {
    auto ticks = read_price_file(p, bad);
    if (all.empty()) all.swap(ticks);
    else all.insert(all.end(), std::make_move_iterator(ticks.begin()), std::make_move_iterator(ticks.end()));
  }
  sort_ticks(all);
  return all;
}

void sort_ticks(std::vector<PriceTick>& all) {
  // Sorted through small keys: a tick is far larger than its position, and moves once at the end.
  // Ties in time go by pool (az, type, product), through each pool's rank among the distinct pools.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_hash;  // pool hash -> first tick of each pool
  std::vector<std::uint32_t> pool_of(all.size());
  std::vector<std::uint32_t> pools;  // a tick of each distinct pool
  const auto same_pool = [&](const PriceTick& a, const PriceTick& b) {
    return a.az == b.az && a.instance_type == b.instance_type && a.product == b.product;
  };
  for (std::uint32_t i = 0; i < all.size(); ++i) {
    auto& candidates = by_hash[fnv1a64_fields({all[i].az, all[i].instance_type, all[i].product})];
    std::uint32_t id = static_cast<std::uint32_t>(pools.size());
    for (const auto c : candidates)
      if (same_pool(all[pools[c]], all[i])) id = c;
    if (id == pools.size()) {
      candidates.push_back(id);
      pools.push_back(i);
    }
    pool_of[i] = id;
  }
  std::vector<std::uint32_t> by_name(pools.size());
  for (std::uint32_t p = 0; p < pools.size(); ++p) by_name[p] = p;
  std::sort(by_name.begin(), by_name.end(), [&](std::uint32_t x, std::uint32_t y) {
    const PriceTick &a = all[pools[x]], &b = all[pools[y]];
    return std::tie(a.az, a.instance_type, a.product) < std::tie(b.az, b.instance_type, b.product);
  });
  std::vector<std::uint32_t> rank(pools.size());
  for (std::uint32_t r = 0; r < by_name.size(); ++r) rank[by_name[r]] = r;
  struct Key {
    TimestampMs ts;
    std::uint32_t pool_rank;
    std::uint32_t index;
  };
  std::vector<Key> keys(all.size());
  for (std::uint32_t i = 0; i < all.size(); ++i) keys[i] = Key{all[i].ts, rank[pool_of[i]], i};
  const auto before = [](const Key& x, const Key& y) { return std::tie(x.ts, x.pool_rank) < std::tie(y.ts, y.pool_rank); };
  if (std::is_sorted(keys.begin(), keys.end(), before)) return;
  std::stable_sort(keys.begin(), keys.end(), before);
  // The permutation applied in place, cycle by cycle: no second copy of the ticks.
  std::vector<bool> placed(all.size(), false);
  for (std::uint32_t start = 0; start < all.size(); ++start) {
    if (placed[start] || keys[start].index == start) continue;
    PriceTick carried = std::move(all[start]);
    std::uint32_t at = start;
    while (keys[at].index != start) {
      all[at] = std::move(all[keys[at].index]);
      placed[at] = true;
      at = keys[at].index;
    }
    all[at] = std::move(carried);
    placed[at] = true;
  }
}

std::vector<Event> read_event_file(const std::string& path, InputKind kind, std::vector<BadLine>* bad) {
  const FileBytes bytes(path);
  return read_event_text(path, bytes.view(), kind, bad);
}

std::vector<Event> read_event_text(const std::string& path, std::string_view data, InputKind kind,
                                   std::vector<BadLine>* bad) {
  if (blank(data)) throw std::runtime_error(path + ": empty file");
  EventDecoder decoder(DecodeLimits{.max_message_bytes = data.size(), .max_price = DecodeLimits{}.max_price});
  std::vector<Event> events;
  DecodeError whole;
  const std::string_view first_line(data.data(), std::min(data.find('\n'), data.size()));
  const bool lines = first_line.size() < data.size() && decoder.decode(kind, {}, first_line, events, whole);
  events.clear();
  if (!lines && decoder.decode(kind, {}, data, events, whole)) return events;
  std::size_t line_no = 0;
  for (std::size_t start = 0; start < data.size();) {
    const auto end = std::min(data.find('\n', start), data.size());
    const std::string_view line(data.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (blank(line)) continue;
    DecodeError err;
    if (decoder.decode(kind, {}, line, events, err)) continue;
    if (line_no == 1)
      throw std::runtime_error(path + ": neither one JSON document nor JSON lines: " + whole.detail);
    if (!bad) throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + err.detail);
    bad->push_back(BadLine{path, line_no, err, std::string(line)});
  }
  return events;
}

}  // namespace spotstream
