#include "src/codec/price_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <tuple>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/event_decoder.hpp"

namespace spotstream {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return data;
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

void take_ticks(std::vector<Event>& events, std::vector<PriceTick>& out) {
  for (auto& e : events) out.push_back(std::move(std::get<PriceTick>(e)));
  events.clear();
}

}  // namespace

std::vector<PriceTick> read_price_file(const std::string& path, std::vector<BadLine>* bad) {
  const std::string data = slurp(path);
  if (blank(data)) throw std::runtime_error(path + ": empty file");
  // A whole CLI response can be far larger than one Kafka message may be.
  EventDecoder decoder(DecodeLimits{.max_message_bytes = data.size(), .max_price = DecodeLimits{}.max_price});
  std::vector<Event> events;
  std::vector<PriceTick> ticks;
  DecodeError whole;
  if (decoder.decode(InputKind::Prices, {}, data, events, whole)) {
    take_ticks(events, ticks);
    return ticks;
  }
  // Not one document: JSON lines. A pretty-printed document fails on its first line ("{") as
  // malformed JSON, and then the whole-document error is the one that explains the problem.
  std::size_t line_no = 0, start = 0;
  bool first = true;
  while (start < data.size()) {
    auto end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + start, end - start);
    ++line_no;
    start = end + 1;
    if (blank(line)) continue;
    DecodeError error;
    if (!decoder.decode(InputKind::Prices, {}, line, events, error)) {
      // A file whose first line is not JSON is not JSON lines: say what the whole file is not.
      if (first && error.reason == dlq::kMalformedJson && ticks.empty())
        throw std::runtime_error(path + ": " + whole.reason + ": " + whole.detail);
      if (!bad) throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + error.reason + ": " + error.detail);
      bad->push_back(BadLine{path, line_no, error, std::string(line)});
      events.clear();
      first = false;
      continue;
    }
    take_ticks(events, ticks);
    first = false;
  }
  return ticks;
}

std::vector<PriceTick> read_price_files(const std::vector<std::string>& paths, std::vector<BadLine>* bad) {
  std::vector<PriceTick> all;
  for (const auto& p : paths) {
    auto ticks = read_price_file(p, bad);
    all.insert(all.end(), std::make_move_iterator(ticks.begin()), std::make_move_iterator(ticks.end()));
  }
  std::stable_sort(all.begin(), all.end(), [](const PriceTick& a, const PriceTick& b) {
    return std::tie(a.ts, a.az, a.instance_type, a.product) < std::tie(b.ts, b.az, b.instance_type, b.product);
  });
  return all;
}

}  // namespace spotstream
