// InputGrace against hand-computed cases: how far risk-driven decisions may go when they rely on
// fleet and signals partitions that only look idle.
#include <gtest/gtest.h>

#include <limits>

#include "operators/decision/input_grace.hpp"

using namespace spotstream;

namespace {
constexpr TimestampMs kNoTime = std::numeric_limits<TimestampMs>::min();
}  // namespace

// Decidable through 100 at wall time 0, grace 1000: nothing is released until the source has
// confirmed its partitions' ends at 1000 or later, whatever this thread's clock says.
TEST(InputGrace, WaitsForAConfirmationAGraceAfterTheInstantBecameDecidable) {
  InputGrace g(1000);
  EXPECT_EQ(g.release(100, kNoTime, 0, 0), kNoTime);
  EXPECT_TRUE(g.waiting());
  EXPECT_EQ(g.release(100, kNoTime, 5000, 999), kNoTime);  // the source has not confirmed since 999
  EXPECT_EQ(g.release(100, kNoTime, 5000, 1000), 100);
  EXPECT_FALSE(g.waiting());
}

// What every partition has actually been read past needs no wait.
TEST(InputGrace, WhatEveryPartitionWasReadPastIsDecidedAtOnce) {
  InputGrace g(1000);
  EXPECT_EQ(g.release(100, 60, 0, 0), 60);
  EXPECT_EQ(g.release(100, 150, 10, 10), 100);  // never beyond what is decidable
}

// Each step of decidability waits its own grace: 100 at t=0 and 200 at t=1000.
TEST(InputGrace, EachStepWaitsItsOwnGrace) {
  InputGrace g(1000);
  EXPECT_EQ(g.release(100, kNoTime, 0, 0), kNoTime);
  EXPECT_EQ(g.release(200, kNoTime, 1000, 1000), 100);
  EXPECT_EQ(g.release(200, kNoTime, 1500, 1999), 100);
  EXPECT_EQ(g.release(200, kNoTime, 2100, 2000), 200);
  // Decidability that does not grow adds nothing; what was released stays released.
  EXPECT_EQ(g.release(200, kNoTime, 2200, 2100), 200);
  EXPECT_FALSE(g.waiting());
}

// A grace of 0 releases on the first confirmation at or after the instant became decidable.
TEST(InputGrace, ZeroGraceNeedsOnlyAConfirmation) {
  InputGrace g(0);
  EXPECT_EQ(g.release(100, kNoTime, 50, 40), kNoTime);
  EXPECT_EQ(g.release(100, kNoTime, 60, 50), 100);
}
