#pragma once
//! Family stress (DESIGN.md "Features"): how stretched a pool's hardware family is in its AZ, as the
//! mean and max of the latest price_position of every pool of that family there. Hardware contagion:
//! a large size spiking predicts evictions of the small sizes on the same hosts. Ticks are routed by
//! "<az>/<family>", so one shard sees every pool of a family and the state needs no locks.
//! Stateless operator; the state is a FamilyStressState owned by one shard thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace spotstream {

//! Per shard: for each (az, family), the latest price_position of each of its pools.
struct FamilyStressState {
  //! One (az, family): its pools as ("<instance_type>/<product>", position), sorted by that key so
  //! that sums run in a fixed order whatever order the pools first ticked in (replays with other
  //! shard counts or batch sizes give the same bits).
  struct Group {
    std::vector<std::pair<std::string, double>> pools;
  };
  //! Keyed "<az>/<family>", the routing key. Lookup only; never iterated for a result.
  std::unordered_map<std::string, Group> groups;
  std::string scratch;  //!< reused key buffer: no allocation per tick once a pool is known
};

//! What a family looks like after one pool's update.
struct FamilyStress {
  double mean = 0;          //!< mean of the pools' latest price_position
  double max = 0;           //!< max of the same
  std::uint32_t pools = 0;  //!< how many pools (the updated one included)
};

class FamilyStressOp {
 public:
  //! Records `position` as the latest price_position of the pool (az, instance_type, product) and
  //! returns the stress over its family's pools in that AZ, the pool itself included. The family is
  //! the part of instance_type before the first '.'.
  FamilyStress operator()(FamilyStressState& state, std::string_view az, std::string_view instance_type,
                          std::string_view product, double position) const;
  //! The stress of (az, family) as it stands; pools == 0 when no pool of it has ticked.
  FamilyStress peek(const FamilyStressState& state, std::string_view az, std::string_view family) const;
};

}  // namespace spotstream
