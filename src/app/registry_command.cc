// `edgestream registry`: the schema registry alone, against any Kafka cluster (the embedded
// broker runs one itself, see `serve --registry-addr`). Several may run against one cluster:
// the writer holds the registry's transactional id, and the others serve reads.

#include "app/cli_support.h"
#include "app/commands.h"
#include "base/stop_signals.h"
#include "http/server.h"
#include "registry/service/registry_service.h"
#include "serve/config.h"

#include <CLI/CLI.hpp>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

namespace es::app {
namespace {

constexpr std::string_view kCommand = "registry";

struct RegistryOptions {
    Connection connection;
    std::string addr = "127.0.0.1:8081";
    std::string topic = "_schemas";
    bool follower = false;
};

int run_registry(const RegistryOptions& o) {
    auto addr = serve::parse_host_port(o.addr);
    if (!addr.ok()) fail(kUsage, kCommand, "--registry-addr: " + addr.error().message());
    const sigset_t signals = block_stop_signals();

    registry::service::RegistryConfig config;
    config.cluster = o.connection.config(kCommand);
    config.topic = o.topic;
    config.writer = !o.follower;
    auto service = registry::service::RegistryService::start(config);
    if (!service.ok()) fail(kCommand, service.error());
    http::HttpServer server;
    (*service)->add_routes(server);
    auto port = server.listen(addr->host, addr->port);
    if (!port.ok()) fail(kCommand, port.error());
    server.start();
    std::fprintf(stderr, "edgestream registry: http://%s:%u (%s, schemas in %s on %s)\n",
                 addr->host.c_str(), *port, o.follower ? "follower" : "writer", o.topic.c_str(),
                 config.cluster.brokers.c_str());
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
    (*service)->stop();
    return 0;
}

}  // namespace

void add_registry_command(CLI::App& app) {
    auto o = std::make_shared<RegistryOptions>();
    CLI::App* cmd = app.add_subcommand(
        "registry", "Run the schema registry (Confluent's REST API) against a Kafka cluster");
    o->connection.add_to(cmd);
    cmd->add_option("--registry-addr", o->addr, "HOST:PORT to serve on")->capture_default_str();
    cmd->add_option("--topic", o->topic, "The compacted topic holding the schemas")
        ->capture_default_str();
    cmd->add_flag("--follower", o->follower,
                  "Serve reads only; writes are refused (another registry is the writer)");
    cmd->callback([o] {
        int code = run_registry(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
