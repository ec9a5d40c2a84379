#pragma once
//! A histogram of observations over fixed bucket bounds, written from any thread without a lock
//! (one relaxed atomic add per observation and bucket), read as a snapshot (for Prometheus, whose
//! histograms it mirrors: cumulative buckets, a sum and a count).
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace spotstream {

class Histogram {
 public:
  struct Snapshot {
    std::vector<double> bounds;        //!< upper bounds, increasing (+Inf implied after the last)
    std::vector<std::uint64_t> below;  //!< cumulative: observations <= bounds[i]
    std::uint64_t count = 0;
    double sum = 0;
  };

  explicit Histogram(std::vector<double> bounds);
  //! Bounds start, start*factor, ... (n of them): latencies from microseconds to seconds.
  static std::vector<double> exponential(double start, double factor, int n);

  void observe(double v);
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  //!< per bucket, the last is +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

}  // namespace spotstream
