// The FIFO ring against std::deque as the reference, and what it does with its memory: grows by
// doubling up to its limit, gives capacity back at a quarter full, or keeps it when told to.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

#include "src/core/ring.hpp"

using spotstream::Ring;

TEST(Ring, HoldsWhatADequeHoldsUnderRandomPushesAndPops) {
  for (const bool keep : {false, true}) {
    Ring<std::string> ring;
    if (keep) ring.keep_capacity();
    std::deque<std::string> reference;
    std::mt19937 rng(7);
    for (int step = 0; step < 200000; ++step) {
      // Phases that mostly fill and phases that mostly drain, so the ring grows and shrinks.
      const bool filling = (step / 5000) % 2 == 0;
      const auto r = rng() % 10;
      if (reference.empty() || (filling ? r < 7 : r < 3)) {
        const auto v = std::to_string(step);
        ring.push_back(v, 1 << 20);
        reference.push_back(v);
      } else if (r == 9) {
        ring.pop_back();
        reference.pop_back();
      } else {
        ring.pop_front();
        reference.pop_front();
      }
      ASSERT_EQ(ring.size(), reference.size()) << "step " << step;
      if (!reference.empty()) {
        ASSERT_EQ(ring.front(), reference.front()) << "step " << step;
        ASSERT_EQ(ring.back(), reference.back()) << "step " << step;
        const auto k = rng() % reference.size();
        ASSERT_EQ(ring[k], reference[k]) << "step " << step;
      }
    }
  }
}

TEST(Ring, GrowsToItsLimitAndGivesCapacityBackAtAQuarterFull) {
  Ring<int> ring;
  for (int i = 0; i < 1000; ++i) ring.push_back(i, 600);
  EXPECT_EQ(ring.capacity_bytes(), 1024 * sizeof(int)) << "the power of two at or above the limit, and no more";
  while (ring.size() > 256) ring.pop_front();
  EXPECT_EQ(ring.capacity_bytes(), 512 * sizeof(int)) << "halved once a quarter full";
  while (!ring.empty()) ring.pop_front();
  EXPECT_EQ(ring.capacity_bytes(), 16 * sizeof(int)) << "down to the smallest it shrinks to";
}

TEST(Ring, KeepsItsCapacityWhenToldTo) {
  Ring<int> ring;
  ring.keep_capacity();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) ring.push_back(i, 1024);
    while (!ring.empty()) ring.pop_front();
    EXPECT_EQ(ring.capacity_bytes(), 1024 * sizeof(int)) << "round " << round;
  }
}
