// `edgestream registry`: the schema registry alone, against any Kafka cluster (the embedded
// broker runs one itself, see `serve --registry-addr`). Several may run against one cluster:
// the writer holds the registry's transactional id, and the others serve reads.

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/role_server.h"
#include "http/server.h"
#include "registry/service/registry_service.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
    std::shared_ptr<registry::service::RegistryService> service;
    registry::service::RegistryConfig config;
    config.cluster = o.connection.config(kCommand);
    config.topic = o.topic;
    config.writer = !o.follower;
    auto start = [&] {
        auto started = registry::service::RegistryService::start(config);
        if (!started.ok()) fail(kCommand, started.error());
        service = std::move(started).value();
        return RoleRoutes{[&](http::HttpServer& server) { service->add_routes(server); },
                          [&] { service->stop(); }};
    };
    return serve_role(kCommand, o.addr, "--registry-addr", start, [&](uint16_t port) {
        return fmt::format("http://{}:{} ({}, schemas in {} on {})",
                           o.addr.substr(0, o.addr.rfind(':')), port,
                           o.follower ? "follower" : "writer", o.topic, config.cluster.brokers);
    });
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
