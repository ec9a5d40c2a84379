#pragma once
//! The synthetic market's random numbers: xoshiro256** (Blackman & Vigna) seeded through
//! splitmix64, one stream per name. Hand-written because the standard distributions differ between
//! standard libraries; only integer operations and exact scalings touch values, so the same seed
//! gives the same numbers on every platform.
#include <array>
#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#include "src/core/hash.hpp"

namespace spotstream {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

//! One named stream of the market's random numbers.
class SynthRng {
 public:
  SynthRng(std::uint64_t seed, std::string_view stream) {
    std::uint64_t x = seed ^ fnv1a64(stream);
    for (auto& w : s_) w = splitmix64(x);
  }
  std::uint64_t next() {
    const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  // Roughly N(0, 1) from four uniforms (Irwin-Hall): no log/cos, whose results vary across libms.
  double gauss() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7320508075688772; }
  // Whole seconds in [lo, hi], as ms: AWS signal times carry second resolution.
  std::int64_t seconds_ms(int lo, int hi) {
    return (lo + static_cast<std::int64_t>(uniform() * (hi - lo + 1))) * 1000;
  }
  std::size_t pick(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (u < weights[i]) return i;
      u -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace spotstream
