#pragma once
//! Family stress (docs/design.md "Features"): how stretched a pool's hardware family is in its AZ, as the
//! mean and max of the latest price_position of every pool of that family there. Hardware contagion:
//! a large size spiking predicts evictions of the small sizes on the same hosts. Ticks are routed by
//! "<az>/<family>", so one shard sees every pool of a family and the state needs no locks.
//! Stateless operator; the state is a FamilyStressState owned by one shard thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spotstream {

//! Per shard: the (az, family) groups and, in each, the latest price_position of each pool. Also the
//! shard's index of pools: a member's `slot` is where its owner keeps the pool's other state, so a
//! tick finds everything about its pool with one hash probe and a scan of a handful of sizes.
class FamilyStressState {
 public:
  struct Member {
    std::string instance_type, product;
    bool has_position = false;  //!< its price_position is in Group::positions
    std::uint32_t slot = 0;  //!< the owner's index for this pool (PriceState::pools)
  };
  //! One (az, family). Members sorted by (instance_type, product), so sums run in a fixed order
  //! whatever order the pools first ticked in (replays with other shard counts or batch sizes give
  //! the same bits).
  struct Group {
    std::string az, family;
    std::vector<Member> members;
    //! fingerprint(instance_type, product) of each member, same order: a tick's scan reads one
    //! cache line of these and compares names only where one matches.
    std::vector<std::uint64_t> fingerprints;
    //! Latest price_position of each member, same order; 0.0 until it has one. Apart from the
    //! members so that a tick's sum reads one cache line.
    std::vector<double> positions;
    std::uint32_t positioned = 0;  //!< members with a position
    std::uint32_t next = kNone;  //!< next group with the same key hash (collision chain)
  };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  //! The group of (az, family), created empty when new. `hash` = fnv1a64("<az>/<family>")
  //! (family_key_hash, src/core/hash.hpp); groups are never removed, so the reference stays valid until the
  //! next call that creates one.
  Group& group(std::uint64_t hash, std::string_view az, std::string_view family);
  //! The same for the family of `instance_type` (the part before its first '.'), found without
  //! cutting the type: the per-tick lookup.
  Group& group_of_type(std::uint64_t hash, std::string_view az, std::string_view instance_type);
  //! The group of the family of `instance_type`, or null when there is none yet (nothing is created).
  Group* find_of_type(std::uint64_t hash, std::string_view az, std::string_view instance_type);
  const Group* find(std::uint64_t hash, std::string_view az, std::string_view family) const;
  //! The index of (instance_type, product) in `g`, inserted in order when new with `new_slot`
  //! as its slot (a pool's member index may change when a new pool joins its group; its slot never).
  static std::size_t member(Group& g, std::string_view instance_type, std::string_view product,
                            std::uint32_t new_slot);
  //! The index of (instance_type, product) in `g`, or g.members.size() when it is not there.
  static std::size_t find_member(const Group& g, std::string_view instance_type, std::string_view product);
  std::size_t group_count() const { return groups_.size(); }

 private:
  //! Open addressing, linear probing, power-of-two size, at most half full: key hash -> first group
  //! of its chain. One probe is one cache line; std::unordered_map costs a division and a node hop.
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t group = kNone;
  };
  std::uint32_t& head(std::uint64_t hash);
  //! The index of the first group of `hash`'s chain that `match`es, kNone if none.
  template <class Match>
  std::uint32_t find_group(std::uint64_t hash, Match match) const;
  Group* find_mutable(std::uint64_t hash, std::string_view az, std::string_view family);
  //! Appends a new group as the head of its chain (`first`, from head()).
  Group& add_group(std::uint32_t& first, std::string_view az, std::string_view family);
  std::vector<Slot> index_ = std::vector<Slot>(16);
  std::vector<Group> groups_;
};

//! What a family looks like after one pool's update.
struct FamilyStress {
  double mean = 0;          //!< mean of the pools' latest price_position
  double max = 0;           //!< max of the same
  std::uint32_t pools = 0;  //!< how many pools (the updated one included)
};

class FamilyStressOp {
 public:
  //! Records `position` as the latest price_position of member `m` of `g` and returns the stress
  //! over the group's pools, the member itself included. `position` is in [0, 1] (throws
  //! std::invalid_argument if negative or NaN).
  FamilyStress operator()(FamilyStressState::Group& g, std::size_t m, double position) const;
  //! The same by names (tests, one-off use). The family is the part of instance_type before the
  //! first '.'.
  FamilyStress operator()(FamilyStressState& state, std::string_view az, std::string_view instance_type,
                          std::string_view product, double position) const;
  //! The stress of (az, family) as it stands; pools == 0 when no pool of it has ticked.
  FamilyStress peek(const FamilyStressState& state, std::string_view az, std::string_view family) const;
};

}  // namespace spotstream
