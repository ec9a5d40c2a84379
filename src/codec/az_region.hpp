#pragma once
//! Availability zones come as names (us-east-1a, us-west-2-lax-1a) or ids (use1-az2). Both map to a
//! region; anything else is an unknown AZ shape.
#include <optional>
#include <string>
#include <string_view>

namespace spotstream {

//! Region of an AZ name or AZ id; nullopt for shapes we do not recognise. The view is into `az`
//! (a name starts with its region) or into static storage (an id's region): valid while `az` is.
std::optional<std::string_view> region_of_az(std::string_view az);

//! True for a region name such as us-east-1, eu-central-1, us-gov-west-1, cn-north-1.
bool is_region_name(std::string_view s);

}  // namespace spotstream
