#pragma once
//! The delivery guarantee a run gives (delivery.guarantee), checked against the rest of the
//! configuration once, at start-up, so that a combination that cannot work fails with a clear
//! error instead of a librdkafka state error in the middle of a run. Stateless functions.
#include <string>

#include "src/config/config.hpp"

namespace spotstream {

enum class DeliveryGuarantee { AtLeastOnce, ExactlyOnce };

//! Parses delivery.guarantee and refuses combinations that cannot work; throws ConfigError naming
//! the offending keys.
DeliveryGuarantee delivery_guarantee(const Config& cfg);

//! The exactly_once producer's transactional.id: delivery.transactional_id, or
//! <consumer.group>-<host name> when that is empty.
std::string transactional_id(const Config& cfg);

}  // namespace spotstream
