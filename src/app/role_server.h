#pragma once

// What the standalone client roles share (`edgestream registry`, `edgestream dashboard`): the
// role's routes served on HOST:PORT until SIGINT or SIGTERM, then the server and the role
// stopped in that order.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace es::http {
class HttpServer;
}

namespace es::app {

struct RoleRoutes {
    std::function<void(http::HttpServer&)> add_routes;
    std::function<void()> stop;
};

/// Parses `addr` (named `addr_option` in errors), blocks the stop signals, runs `start` (so the
/// role's threads inherit the mask; it fails the command itself on error), serves its routes
/// and prints banner(port) to stderr; returns the exit code.
int serve_role(std::string_view command, const std::string& addr, std::string_view addr_option,
               const std::function<RoleRoutes()>& start,
               const std::function<std::string(uint16_t port)>& banner);

}  // namespace es::app
