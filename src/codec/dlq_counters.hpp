#pragma once
//! Dead letters per reason code (dlq_reason.hpp); unknown codes count under "other".
#include <array>
#include <cstdint>
#include <string_view>

#include "src/core/counter.hpp"

namespace spotstream {

class DlqCounters {
 public:
  static constexpr std::array<std::string_view, 13> kReasons = {
      "malformed_json", "missing_field", "wrong_type",   "bad_price",         "bad_timestamp", "unknown_az",
      "bad_value",      "unknown_format", "missing_instance_id", "oversize", "late",          "ahead",
      "other"};
  void inc(std::string_view reason, std::uint64_t n = 1);
  std::uint64_t get(std::string_view reason) const;
  std::uint64_t total() const;

 private:
  std::array<Counter, kReasons.size()> counts_;
};

}  // namespace spotstream
