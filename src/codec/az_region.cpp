#include "src/codec/az_region.hpp"

#include <array>
#include <utility>

namespace spotstream {

namespace {

// Splits on '-' into at most 8 tokens; more than that is no shape AWS uses.
struct Tokens {
  std::array<std::string_view, 8> t;
  std::size_t n = 0;
};

bool split(std::string_view s, Tokens& out) {
  std::size_t start = 0;
  while (true) {
    const auto dash = s.find('-', start);
    if (out.n == out.t.size()) return false;
    out.t[out.n++] = s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

bool all_lower(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < 'a' || c > 'z') return false;
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_direction(std::string_view s) {
  for (std::string_view d : {"east", "west", "north", "south", "central", "northeast", "northwest", "southeast",
                             "southwest"})
    if (s == d) return true;
  return false;
}

// Isolated/sovereign partitions put a qualifier between the geography and the direction.
bool is_qualifier(std::string_view s) {
  for (std::string_view q : {"gov", "iso", "isob", "isoe", "isof"})
    if (s == q) return true;
  return false;
}

// Number of leading tokens that form a region ("us" "gov" "west" "1" -> 4), where the last of them
// may carry trailing letters (the AZ letter). 0 when the tokens do not start with a region.
std::size_t region_tokens(const Tokens& tk) {
  if (tk.n < 3 || tk.t[0].size() != 2 || !all_lower(tk.t[0])) return 0;
  std::size_t i = 1;
  if (is_qualifier(tk.t[i])) ++i;
  if (i + 1 >= tk.n || !is_direction(tk.t[i])) return 0;
  return i + 2;
}

// "1a" -> digits "1" and one trailing lowercase letter.
bool digits_then_letter(std::string_view s) {
  return s.size() >= 2 && all_digits(s.substr(0, s.size() - 1)) && all_lower(s.substr(s.size() - 1));
}

// Leading digits of a token ("1a" -> "1"); empty when it does not start with a digit.
std::string_view leading_digits(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return s.substr(0, i);
}

std::optional<std::string> region_of_az_name(std::string_view az) {
  Tokens tk;
  if (!split(az, tk)) return std::nullopt;
  const std::size_t r = region_tokens(tk);
  if (r == 0) return std::nullopt;
  const std::string_view number_token = tk.t[r - 1];
  const std::string_view number = leading_digits(number_token);
  if (number.empty()) return std::nullopt;
  const std::size_t region_len = static_cast<std::size_t>(number_token.data() - az.data()) + number.size();
  const std::size_t rest = tk.n - r;
  bool ok = false;
  if (rest == 0) {
    // Standard AZ: us-east-1a.
    ok = digits_then_letter(number_token);
  } else if (number.size() == number_token.size()) {
    if (rest == 2) {
      // Local Zone: us-west-2-lax-1a.
      ok = all_lower(tk.t[r]) && tk.t[r].size() >= 2 && digits_then_letter(tk.t[r + 1]);
    } else if (rest == 4) {
      // Wavelength Zone: us-east-1-wl1-bos-wlz-1.
      const auto wl = tk.t[r];
      ok = wl.size() >= 3 && wl.substr(0, 2) == "wl" && all_digits(wl.substr(2)) && all_lower(tk.t[r + 1]) &&
           tk.t[r + 2] == "wlz" && all_digits(tk.t[r + 3]);
    }
  }
  if (!ok) return std::nullopt;
  return std::string(az.substr(0, region_len));
}

// AWS's AZ-id prefixes (use1-az2): they are stable per region, unlike AZ names, which AWS maps to
// physical zones differently for each account.
constexpr std::pair<std::string_view, std::string_view> kAzIdPrefixes[] = {
    {"use1", "us-east-1"},       {"use2", "us-east-2"},       {"usw1", "us-west-1"},
    {"usw2", "us-west-2"},       {"usge1", "us-gov-east-1"},  {"usgw1", "us-gov-west-1"},
    {"cac1", "ca-central-1"},    {"caw1", "ca-west-1"},       {"mxc1", "mx-central-1"},
    {"sae1", "sa-east-1"},       {"euc1", "eu-central-1"},    {"euc2", "eu-central-2"},
    {"euw1", "eu-west-1"},       {"euw2", "eu-west-2"},       {"euw3", "eu-west-3"},
    {"eun1", "eu-north-1"},      {"eus1", "eu-south-1"},      {"eus2", "eu-south-2"},
    {"afs1", "af-south-1"},      {"mes1", "me-south-1"},      {"mec1", "me-central-1"},
    {"ilc1", "il-central-1"},    {"aps1", "ap-south-1"},      {"aps2", "ap-south-2"},
    {"ape1", "ap-east-1"},       {"ape2", "ap-east-2"},       {"apse1", "ap-southeast-1"},
    {"apse2", "ap-southeast-2"}, {"apse3", "ap-southeast-3"}, {"apse4", "ap-southeast-4"},
    {"apse5", "ap-southeast-5"}, {"apse7", "ap-southeast-7"}, {"apne1", "ap-northeast-1"},
    {"apne2", "ap-northeast-2"}, {"apne3", "ap-northeast-3"}, {"cnn1", "cn-north-1"},
    {"cnnw1", "cn-northwest-1"},
};

// "az" followed by digits ("az2"), or the Wavelength id form "wlz" + digits.
bool az_suffix(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix && all_digits(s.substr(prefix.size()));
}

std::optional<std::string> region_of_az_id(std::string_view id) {
  Tokens tk;
  if (!split(id, tk) || tk.n < 2) return std::nullopt;
  std::string_view region;
  for (const auto& [prefix, name] : kAzIdPrefixes)
    if (tk.t[0] == prefix) region = name;
  if (region.empty()) return std::nullopt;
  bool ok = false;
  if (tk.n == 2) {
    ok = az_suffix(tk.t[1], "az");  // use1-az2
  } else if (tk.n == 3) {
    // Local Zone id: usw2-lax1-az1.
    const auto loc = tk.t[1];
    const auto digits = loc.find_first_of("0123456789");
    ok = digits != std::string_view::npos && digits >= 2 && all_lower(loc.substr(0, digits)) &&
         all_digits(loc.substr(digits)) && az_suffix(tk.t[2], "az");
  } else if (tk.n == 4) {
    // Wavelength Zone id: use1-wl1-bos-wlz1.
    ok = az_suffix(tk.t[1], "wl") && all_lower(tk.t[2]) && az_suffix(tk.t[3], "wlz");
  }
  if (!ok) return std::nullopt;
  return std::string(region);
}

}  // namespace

std::optional<std::string> region_of_az(std::string_view az) {
  if (az.empty() || az.size() > 64) return std::nullopt;
  if (auto r = region_of_az_name(az)) return r;
  return region_of_az_id(az);
}

bool is_region_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  Tokens tk;
  if (!split(s, tk)) return false;
  const std::size_t r = region_tokens(tk);
  return r != 0 && r == tk.n && all_digits(tk.t[r - 1]);
}

}  // namespace spotstream
