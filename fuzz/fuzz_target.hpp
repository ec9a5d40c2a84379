#pragma once
//! One fuzz target: a function that takes arbitrary bytes and must neither crash, hang, leak nor
//! trip a sanitizer, and may throw only the errors its parser documents (the target catches those).
//! Targets register by name; `fuzz_<name>` runs one under libFuzzer (libfuzzer_main.cpp) and
//! `fuzz_replay` runs them all over saved inputs with any compiler (replay_main.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace spotstream::fuzz {

using Body = void (*)(std::string_view data);

struct Target {
  const char* name;
  Body body;
};

inline std::vector<Target>& targets() {
  static std::vector<Target> all;
  return all;
}

struct Register {
  Register(const char* name, Body body) { targets().push_back({name, body}); }
};

//! Splits "head\0tail" at the first NUL: how targets that need two inputs (a message key and its
//! value, an MQTT topic and its payload) read them. No NUL: head is `fallback`, tail the whole input.
inline std::pair<std::string_view, std::string_view> split_at_nul(std::string_view data, std::string_view fallback) {
  const auto nul = data.find('\0');
  if (nul == std::string_view::npos) return {fallback, data};
  return {data.substr(0, nul), data.substr(nul + 1)};
}

}  // namespace spotstream::fuzz

#define SPOTSTREAM_FUZZ_TARGET(name)                                                     \
  static void spotstream_fuzz_##name(std::string_view data);                            \
  static const ::spotstream::fuzz::Register spotstream_fuzz_register_##name(#name,      \
                                                                           spotstream_fuzz_##name); \
  static void spotstream_fuzz_##name(std::string_view data)
