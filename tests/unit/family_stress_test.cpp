// Family stress: mean/max/count over a family's pools in one AZ, with hand-computed figures;
// other AZs, families and products kept apart; sums independent of the order pools first ticked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "operators/price/family_stress.hpp"
#include "src/core/hash.hpp"

using namespace spotstream;

namespace {
const FamilyStressOp kOp;
constexpr const char* kLinux = "Linux/UNIX";
}  // namespace

TEST(FamilyStress, MeanMaxAndCountOverTheFamilyInTheAz) {
  FamilyStressState st;
  auto s = kOp(st, "us-east-1a", "p3.2xlarge", kLinux, 0.2);
  EXPECT_DOUBLE_EQ(s.mean, 0.2);
  EXPECT_DOUBLE_EQ(s.max, 0.2);
  EXPECT_EQ(s.pools, 1u);
  kOp(st, "us-east-1a", "p3.8xlarge", kLinux, 0.8);
  s = kOp(st, "us-east-1a", "p3.16xlarge", kLinux, 0.5);
  EXPECT_NEAR(s.mean, 0.5, 1e-15);  // (0.2 + 0.8 + 0.5) / 3
  EXPECT_DOUBLE_EQ(s.max, 0.8);
  EXPECT_EQ(s.pools, 3u);
  // The pool's new position replaces its old one: (1.0 + 0.8 + 0.5) / 3 = 0.7666...
  s = kOp(st, "us-east-1a", "p3.2xlarge", kLinux, 1.0);
  EXPECT_NEAR(s.mean, 2.3 / 3, 1e-15);
  EXPECT_DOUBLE_EQ(s.max, 1.0);
  EXPECT_EQ(s.pools, 3u);
  // Falling back: max follows the current positions, not the history.
  s = kOp(st, "us-east-1a", "p3.2xlarge", kLinux, 0.0);
  EXPECT_NEAR(s.mean, 1.3 / 3, 1e-15);
  EXPECT_DOUBLE_EQ(s.max, 0.8);
}

TEST(FamilyStress, OtherAzsFamiliesAndProductsAreOtherGroupsOrPools) {
  FamilyStressState st;
  kOp(st, "us-east-1a", "p3.2xlarge", kLinux, 0.9);
  auto s = kOp(st, "us-east-1b", "p3.8xlarge", kLinux, 0.1);  // another AZ: alone
  EXPECT_EQ(s.pools, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 0.1);
  s = kOp(st, "us-east-1a", "p2.xlarge", kLinux, 0.3);  // p2 is not p3
  EXPECT_EQ(s.pools, 1u);
  // Same type, other product: a different pool of the same family in the AZ.
  s = kOp(st, "us-east-1a", "p3.2xlarge", "Windows", 0.5);
  EXPECT_EQ(s.pools, 2u);
  EXPECT_NEAR(s.mean, 0.7, 1e-15);  // (0.9 + 0.5) / 2
  EXPECT_DOUBLE_EQ(s.max, 0.9);

  auto p = kOp.peek(st, "us-east-1a", "p3");
  EXPECT_EQ(p.pools, 2u);
  EXPECT_DOUBLE_EQ(p.max, 0.9);
  EXPECT_EQ(kOp.peek(st, "us-east-1c", "p3").pools, 0u);
  EXPECT_EQ(st.group_count(), 3u);  // us-east-1a/p3, us-east-1b/p3, us-east-1a/p2
}

TEST(FamilyStress, SumsDoNotDependOnTheOrderPoolsArrive) {
  // 0.1 + 0.2 + 0.3 rounds differently depending on the order it is added in
  // ((0.1 + 0.2) + 0.3 = 0.6000000000000001, 0.1 + (0.2 + 0.3) = 0.6): the state sums in a fixed
  // order, so every arrival order gives the same bits.
  const char* types[] = {"m5.large", "m5.xlarge", "m5.2xlarge"};
  const double pos[] = {0.1, 0.2, 0.3};
  int order[] = {0, 1, 2};
  double first = -1;
  do {
    FamilyStressState st;
    FamilyStress s;
    for (int i : order) s = kOp(st, "eu-west-1a", types[i], kLinux, pos[i]);
    if (first < 0) first = s.mean;
    EXPECT_EQ(std::memcmp(&first, &s.mean, sizeof first), 0) << order[0] << order[1] << order[2];
    EXPECT_NEAR(s.mean, 0.2, 1e-15);
    EXPECT_DOUBLE_EQ(s.max, 0.3);
  } while (std::next_permutation(std::begin(order), std::end(order)));
}

// The index is keyed by the routing hash alone: two families whose hashes collide (forced here by
// passing the same hash) must still be two groups, and thousands of groups must all stay findable
// across the index's growth.
TEST(FamilyStress, GroupsStayApartUnderHashCollisionsAndGrowth) {
  FamilyStressState st;
  auto& a = st.group(42, "us-east-1a", "p3");
  FamilyStressState::member(a, "p3.2xlarge", kLinux, 0);
  auto& b = st.group(42, "us-east-1b", "p3");
  EXPECT_TRUE(b.members.empty());
  EXPECT_EQ(st.group(42, "us-east-1a", "p3").members.size(), 1u);
  EXPECT_EQ(st.find(42, "us-east-1b", "p3"), &st.group(42, "us-east-1b", "p3"));
  EXPECT_EQ(st.find(42, "us-east-1c", "p3"), nullptr);
  EXPECT_EQ(st.find(43, "us-east-1a", "p3"), nullptr);
  for (int i = 0; i < 5000; ++i) {
    const std::string fam = "f" + std::to_string(i);
    auto& g = st.group(family_key_hash("eu-west-1a", fam), "eu-west-1a", fam);
    FamilyStressState::member(g, fam + ".large", kLinux, static_cast<std::uint32_t>(i));
  }
  EXPECT_EQ(st.group_count(), 5002u);
  for (int i = 0; i < 5000; ++i) {
    const std::string fam = "f" + std::to_string(i);
    const auto* g = st.find(family_key_hash("eu-west-1a", fam), "eu-west-1a", fam);
    ASSERT_NE(g, nullptr) << fam;
    EXPECT_EQ(g->members.at(0).slot, static_cast<std::uint32_t>(i));
  }
}

// The per-tick lookup by instance type finds exactly the group of the type's family: "c5n.large"
// is not in "c5", a type without a '.' is its own family, and a new family is created by name.
TEST(FamilyStress, GroupOfTypeIsTheGroupOfTheTypesFamily) {
  FamilyStressState st;
  const auto h = [](std::string_view az, std::string_view fam) { return family_key_hash(az, fam); };
  auto& c5 = st.group(h("us-east-1a", "c5"), "us-east-1a", "c5");
  EXPECT_EQ(&st.group_of_type(h("us-east-1a", "c5"), "us-east-1a", "c5.large"), &c5);
  EXPECT_EQ(&st.group_of_type(h("us-east-1a", "c5"), "us-east-1a", "c5"), &c5);
  // Same hash on purpose (a collision): the names decide.
  auto& c5n = st.group_of_type(h("us-east-1a", "c5"), "us-east-1a", "c5n.large");
  EXPECT_NE(&c5n, &st.group(h("us-east-1a", "c5"), "us-east-1a", "c5"));
  EXPECT_EQ(c5n.family, "c5n");
  EXPECT_EQ(st.group_of_type(h("us-east-1a", "c5"), "us-east-1b", "c5.large").az, "us-east-1b");
  EXPECT_EQ(st.group_count(), 3u);
  auto& metal = st.group_of_type(h("us-east-1a", "u-6tb1"), "us-east-1a", "u-6tb1");
  EXPECT_EQ(metal.family, "u-6tb1");
  EXPECT_EQ(&st.group(h("us-east-1a", "u-6tb1"), "us-east-1a", "u-6tb1"), &metal);
}
