// `edgestream dashboard`: the dashboard alone, against any Kafka cluster (`serve` runs one on
// its admin address against the embedded broker).

#include "app/cli_support.h"
#include "app/commands.h"
#include "base/stop_signals.h"
#include "dashboard/dashboard_service.h"
#include "http/server.h"
#include "serve/config.h"

#include <CLI/CLI.hpp>
#include <signal.h>

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
    auto addr = serve::parse_host_port(o.addr);
    if (!addr.ok()) fail(kUsage, kCommand, "--addr: " + addr.error().message());
    const sigset_t signals = block_stop_signals();

    dashboard::DashboardConfig config;
    config.cluster = o.connection.config(kCommand);
    auto service = dashboard::DashboardService::start(config);
    if (!service.ok()) fail(kCommand, service.error());
    http::HttpServer server;
    (*service)->add_routes(server);
    auto port = server.listen(addr->host, addr->port);
    if (!port.ok()) fail(kCommand, port.error());
    server.start();
    std::fprintf(stderr, "edgestream dashboard: http://%s:%u/ (cluster %s)\n", addr->host.c_str(),
                 *port, config.cluster.brokers.c_str());
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
    (*service)->stop();
    return 0;
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
