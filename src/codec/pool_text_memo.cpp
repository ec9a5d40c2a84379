#include "src/codec/pool_text_memo.hpp"

#include <cstring>
#include <utility>

namespace spotstream::codec_detail {

std::uint64_t PoolTextMemo::hash_of(std::string_view text) {
  // A word at a time: a text of 90 bytes costs a dozen multiplications, where a byte-wise hash
  // would cost more than the checks it saves.
  const auto word = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  const auto mix = [](std::uint64_t h, std::uint64_t w) {
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    return h ^ (h >> 29);
  };
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ text.size();
  const char* p = text.data();
  std::size_t n = text.size();
  for (; n >= 8; p += 8, n -= 8) h = mix(h, word(p));
  if (n > 0) h = mix(h, text.size() >= 8 ? word(text.data() + text.size() - 8) : [&] {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    return w;
  }());
  return h ^ (h >> 32);
}

bool PoolTextMemo::find(std::string_view text, Pool& pool) const {
  if (slots_.empty() || text.empty()) return false;
  const std::uint64_t h = hash_of(text);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.text_len == 0) return false;
    if (s.hash != h || s.text_len != text.size() || std::memcmp(s.bytes.data(), text.data(), text.size()) != 0) continue;
    const char* at = s.bytes.data() + s.text_len;
    const auto take = [&at](std::size_t n) {
      const std::string_view v(at, n);
      at += n;
      return v;
    };
    pool.az = take(s.az_len);
    pool.region = take(s.region_len);
    pool.instance_type = take(s.type_len);
    pool.product = std::string_view(at, static_cast<std::size_t>(s.bytes.data() + s.bytes.size() - at));
    pool.key_hash = s.key_hash;
    return true;
  }
}

void PoolTextMemo::resize(std::size_t slots) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots));
  const std::size_t mask = slots - 1;
  for (auto& s : old) {
    if (s.text_len == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].text_len != 0) i = (i + 1) & mask;
    slots_[i] = std::move(s);
  }
}

void PoolTextMemo::remember(std::string_view text, const PriceTick& tick) {
  if (text.empty() || text.size() > kLongest) return;
  for (const std::string* part : {&tick.az, &tick.region, &tick.instance_type})
    if (part->size() > 0xFFFF) return;
  if (slots_.empty()) {
    resize(kFirstSlots);
  } else if (2 * (used_ + 1) > slots_.size()) {
    if (slots_.size() < kMaxSlots) {
      resize(2 * slots_.size());
    } else {
      slots_.assign(slots_.size(), Slot{});
      used_ = 0;
    }
  }
  const std::uint64_t h = hash_of(text);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  while (slots_[i].text_len != 0) i = (i + 1) & mask;
  Slot& s = slots_[i];
  s.hash = h;
  s.key_hash = tick.key_hash;
  s.bytes.assign(text);
  s.bytes.append(tick.az).append(tick.region).append(tick.instance_type).append(tick.product);
  s.text_len = static_cast<std::uint16_t>(text.size());
  s.az_len = static_cast<std::uint16_t>(tick.az.size());
  s.region_len = static_cast<std::uint16_t>(tick.region.size());
  s.type_len = static_cast<std::uint16_t>(tick.instance_type.size());
  ++used_;
}

}  // namespace spotstream::codec_detail
