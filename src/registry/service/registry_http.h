#pragma once

#include "http/server.h"
#include "registry/service/registry.h"

#include <cstddef>

namespace es::registry::service {

/// Confluent Schema Registry's REST API over a Registry: routes on an http::HttpServer,
/// answers in application/vnd.schemaregistry.v1+json, errors as {"error_code", "message"}.
/// Request bodies are JSON whatever their content type says. See README.md for the endpoints
/// and the error codes.
class RegistryHttp {
  public:
    /// Largest request body add_routes() lets the server accept.
    static constexpr size_t kMaxBodyBytes = 4 * 1024 * 1024;

    explicit RegistryHttp(Registry& registry) : registry_(registry) {}

    /// Adds every route, and limits request bodies to kMaxBodyBytes.
    void add_routes(http::HttpServer& server);

  private:
    Registry& registry_;
};

}  // namespace es::registry::service
