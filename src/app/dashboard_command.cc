// `edgestream dashboard`: the dashboard alone, against any Kafka cluster (`serve` runs one on
// its admin address against the embedded broker).

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/role_server.h"
#include "dashboard/dashboard_service.h"
#include "http/server.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

namespace es::app {
namespace {

constexpr std::string_view kCommand = "dashboard";

struct DashboardOptions {
    Connection connection;
    std::string addr = "127.0.0.1:9644";
};

int run_dashboard(const DashboardOptions& o) {
    std::shared_ptr<dashboard::DashboardService> service;
    dashboard::DashboardConfig config;
    config.cluster = o.connection.config(kCommand);
    auto start = [&] {
        auto started = dashboard::DashboardService::start(config);
        if (!started.ok()) fail(kCommand, started.error());
        service = std::move(started).value();
        return RoleRoutes{[&](http::HttpServer& server) { service->add_routes(server); },
                          [&] { service->stop(); }};
    };
    return serve_role(kCommand, o.addr, "--addr", start, [&](uint16_t port) {
        return fmt::format("http://{}:{}/ (cluster {})", o.addr.substr(0, o.addr.rfind(':')), port,
                           config.cluster.brokers);
    });
}

}  // namespace

void add_dashboard_command(CLI::App& app) {
    auto o = std::make_shared<DashboardOptions>();
    CLI::App* cmd = app.add_subcommand(
        "dashboard", "Serve the live dashboard (page and /v1/ API) for a Kafka cluster");
    o->connection.add_to(cmd);
    cmd->add_option("--addr", o->addr, "HOST:PORT to serve on")->capture_default_str();
    cmd->callback([o] {
        int code = run_dashboard(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
