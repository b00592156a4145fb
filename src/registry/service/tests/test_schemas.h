#pragma once

// Avro schemas shared by the registry tests.

namespace es::registry::service::testing {

// v1 -> v2 adds a field with a default (compatible both ways); v3 adds one without a default
// (BACKWARD-compatible with v2, which writes it, but not with v1, which does not).
inline constexpr const char* kUserV1 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
inline constexpr const char* kUserV1Spaced =
    R"({ "type" : "record", "name" : "User",
         "fields" : [ { "name" : "id", "type" : "long", "doc": "the id" } ] })";
inline constexpr const char* kUserV2 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},)"
    R"({"name":"email","type":"string","default":""}]})";
inline constexpr const char* kUserV3 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},)"
    R"({"name":"email","type":"string"}]})";
// Changes the type of id: incompatible with every other version.
inline constexpr const char* kUserBad =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"boolean"}]})";

inline constexpr const char* kAddress =
    R"({"type":"record","name":"Address","namespace":"com.example",)"
    R"("fields":[{"name":"street","type":"string"}]})";
inline constexpr const char* kCustomer =
    R"({"type":"record","name":"Customer","namespace":"com.example",)"
    R"("fields":[{"name":"home","type":"com.example.Address"}]})";

}  // namespace es::registry::service::testing
