#pragma once
//! The pool part of canonical ticks decoded before, keyed by its exact text. A feed names the same
//! pools over and over, each tick differing from the last of its pool only in its time and prices:
//! the bytes between the "ts" value and "spot_price" (`,"region":...,"product":"Linux/UNIX",`)
//! recur unchanged. Remembered once they decoded and checked as valid, they are not scanned and
//! checked again; a lookup compares the whole text, so a hit is the same text and so the same
//! zone, region, type and product, with the same verdict. Owned by one decoder (one thread).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream::codec_detail {

class PoolTextMemo {
 public:
  //! What a remembered text decoded to.
  struct Pool {
    std::string_view az, region, instance_type, product;
    std::uint64_t key_hash = 0;  //!< PriceTick::key_hash
  };

  //! The pool a text decoded to before, if it is still remembered.
  bool find(std::string_view text, Pool& pool) const;
  //! Remembers what `text` decoded to (the fields of `tick` other than its time and prices).
  void remember(std::string_view text, const PriceTick& tick);

 private:
  struct Slot {
    std::uint64_t hash = 0, key_hash = 0;
    std::string bytes;  //!< the text, then az, region, instance type and product
    std::uint16_t text_len = 0, az_len = 0, region_len = 0, type_len = 0;  //!< text_len 0: empty
  };
  //! Open addressing, at most half full, grown as pools appear: about 250 bytes a pool, a feed of
  //! 100,000 pools about 25 MiB. At kMaxSlots it starts again empty rather than grow further, so a
  //! producer that makes up names cannot make it grow without bound.
  static constexpr std::size_t kFirstSlots = 1024, kMaxSlots = std::size_t{1} << 18;
  static constexpr std::size_t kLongest = 1024;  //!< longer texts are not remembered
  static std::uint64_t hash_of(std::string_view text);
  void resize(std::size_t slots);

  std::vector<Slot> slots_;  //!< empty until the first remember()
  std::size_t used_ = 0;
};

}  // namespace spotstream::codec_detail
