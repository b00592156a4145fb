#pragma once

#include <system_error>

namespace es::registry::service {

/// Errors of registry/service. The values are Confluent Schema Registry's error codes, so the
/// REST layer answers {"error_code": <value>} unchanged; http_status() gives the HTTP status.
enum class Errc {
    bad_request = 400,                     // the body is not JSON (or nested too deeply)
    incompatible = 409,                    // the schema is incompatible with earlier versions
    unprocessable = 422,                   // JSON of the wrong shape (a field of the wrong type)
    subject_not_found = 40401,             //
    version_not_found = 40402,             //
    schema_not_found = 40403,              //
    subject_soft_deleted = 40404,          // soft-deleting a subject twice
    subject_not_soft_deleted = 40405,      // permanent delete before soft delete
    version_soft_deleted = 40406,          // soft-deleting a version twice
    version_not_soft_deleted = 40407,      // permanent delete before soft delete
    subject_level_not_configured = 40408,  // GET /config/{s} without a subject level
    subject_mode_not_configured = 40409,   // GET /mode/{s} without a subject mode
    invalid_schema = 42201,                //
    invalid_version = 42202,               //
    invalid_level = 42203,                 //
    invalid_mode = 42204,                  //
    operation_not_permitted = 42205,       // read-only mode, ids outside IMPORT mode, ...
    reference_exists = 42206,              // deleting a version another schema refers to
    store_error = 50001,                   // the _schemas log refused or lost the write
    timeout = 50002,                       // the write was not applied in time
    forward_error = 50003,                 //
    not_leader = 50004,                    // this registry is not (or no longer) the writer
};

const std::error_category& service_category();
std::error_code make_error_code(Errc e);

/// The HTTP status Confluent answers with: the first three digits of a five-digit code, the
/// code itself otherwise.
int http_status(Errc e);

}  // namespace es::registry::service

template <>
struct std::is_error_code_enum<es::registry::service::Errc> : std::true_type {};
