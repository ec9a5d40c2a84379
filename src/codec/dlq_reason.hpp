#pragma once
//! The reasons a record lands on spot.dlq. Stable strings: consumers filter on them.
namespace spotstream::dlq {
inline constexpr const char* kMalformedJson = "malformed_json";    //!< not parseable JSON
inline constexpr const char* kMissingField = "missing_field";      //!< a required field is absent
inline constexpr const char* kWrongType = "wrong_type";            //!< a field has the wrong JSON type
inline constexpr const char* kBadPrice = "bad_price";              //!< negative, zero, non-numeric or absurd price
inline constexpr const char* kBadTimestamp = "bad_timestamp";      //!< unparseable or out-of-range time
inline constexpr const char* kUnknownAz = "unknown_az";            //!< AZ is neither an AZ name nor a known AZ id
inline constexpr const char* kBadValue = "bad_value";              //!< a field's value is not one we accept (e.g. action)
inline constexpr const char* kUnknownFormat = "unknown_format";    //!< valid JSON but no shape we know
inline constexpr const char* kMissingInstanceId = "missing_instance_id";  //!< IMDS body without an instance id key
inline constexpr const char* kOversize = "oversize";               //!< larger than decode.max_message_bytes
inline constexpr const char* kLate = "late";                       //!< older than watermark - allowed lateness
inline constexpr const char* kAhead = "ahead";                     //!< too far ahead of its partition's progress or of the clock
inline constexpr const char* kPoolLimit = "pool_limit";            //!< a new pool past limits.max_pools
inline constexpr const char* kFleetLimit = "fleet_limit";          //!< a new node past limits.max_fleet_nodes
}  // namespace spotstream::dlq
