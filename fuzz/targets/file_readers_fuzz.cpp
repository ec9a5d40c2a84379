// Price and event files as backtests, demos and training read them (one JSON document, or JSON
// lines), and the AZ / region names every decoder resolves. Files may only fail with
// std::runtime_error; with a bad-line list, every line refused is accounted for there.
#include <stdexcept>
#include <vector>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/codec/az_region.hpp"
#include "src/codec/price_file.hpp"

using namespace spotstream;

SPOTSTREAM_FUZZ_TARGET(price_file) {
  std::vector<BadLine> bad;
  try {
    const auto ticks = read_price_text("fuzz.json", data, &bad);
    for (const auto& b : bad) FUZZ_CHECK(b.line >= 1 && !b.error.reason.empty());
  } catch (const std::runtime_error&) {
  }
}

SPOTSTREAM_FUZZ_TARGET(event_file) {
  for (const auto kind : {InputKind::Signals, InputKind::Fleet}) {
    std::vector<BadLine> bad;
    try {
      read_event_text("fuzz.json", data, kind, &bad);
      for (const auto& b : bad) FUZZ_CHECK(b.line >= 1 && !b.error.reason.empty());
    } catch (const std::runtime_error&) {
    }
  }
}

// AZ names (us-east-1a, us-west-2-lax-1a) and AZ ids (use1-az2): a region derived from either is
// itself a region name.
SPOTSTREAM_FUZZ_TARGET(az_region) {
  if (const auto region = region_of_az(data)) FUZZ_CHECK(is_region_name(*region));
  is_region_name(data);
}
