#pragma once
//! A spot pool: an instance type in an AZ for a product. Written "<az>/<instance_type>/<product>"
//! (the product may itself hold '/': "Linux/UNIX"): the key of spot.risk records, and what
//! decisions name as a node's pool and target. The one place that text is made and read.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace spotstream {

struct PoolId {
  std::string az, instance_type, product;

  //! "<az>/<instance_type>/<product>".
  std::string str() const { return text(az, instance_type, product); }
  static std::string text(std::string_view az, std::string_view instance_type, std::string_view product) {
    std::string s;
    s.reserve(az.size() + instance_type.size() + product.size() + 2);
    s.append(az).append(1, '/').append(instance_type).append(1, '/').append(product);
    return s;
  }
  //! From its text; nullopt unless it has an AZ, a type and a product.
  static std::optional<PoolId> parse(std::string_view s) {
    const auto a = s.find('/');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = s.find('/', a + 1);
    if (b == std::string_view::npos || a == 0 || b == a + 1 || b + 1 == s.size()) return std::nullopt;
    return PoolId{std::string(s.substr(0, a)), std::string(s.substr(a + 1, b - a - 1)), std::string(s.substr(b + 1))};
  }
  //! The instance family: the type before its first '.', e.g. "p3" of "p3.2xlarge".
  std::string_view family() const { return std::string_view(instance_type).substr(0, instance_type.find('.')); }

  auto operator<=>(const PoolId&) const = default;
};

}  // namespace spotstream
