// libFuzzer's entry point: runs the target SPOTSTREAM_FUZZ_ONLY names (its file may define others).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuzz/fuzz_target.hpp"

namespace {

spotstream::fuzz::Body the_target() {
  for (const auto& t : spotstream::fuzz::targets())
    if (std::strcmp(t.name, SPOTSTREAM_FUZZ_ONLY) == 0) return t.body;
  std::fprintf(stderr, "no fuzz target named %s in this binary\n", SPOTSTREAM_FUZZ_ONLY);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto body = the_target();
  body(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
