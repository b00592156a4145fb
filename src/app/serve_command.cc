#include "app/commands.h"
#include "serve/config.h"
#include "serve/node.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace es::app {

namespace {

struct ServeOptions {
    std::string data_dir;
    std::string kafka_addr;
    std::string admin_addr;
    std::string advertised_kafka_addr;
    std::string registry_addr;
    std::string config_file;
    size_t shards = 0;
};

/// Defaults, then the config file, then the command line: the later one wins.
Result<serve::ServeConfig> resolve(const ServeOptions& o) {
    serve::ServeConfig config;
    if (!o.config_file.empty()) {
        ES_TRY(config, serve::load_config_file(o.config_file, config));
    }
    if (!o.data_dir.empty()) config.data_dir = o.data_dir;
    if (!o.kafka_addr.empty()) {
        ES_TRY(config.kafka_addr, serve::parse_host_port(o.kafka_addr));
    }
    if (!o.admin_addr.empty()) {
        ES_TRY(config.admin_addr, serve::parse_host_port(o.admin_addr));
    }
    if (!o.registry_addr.empty()) {
        ES_TRY(config.registry_addr, serve::parse_optional_host_port(o.registry_addr));
    }
    if (!o.advertised_kafka_addr.empty()) {
        ES_TRY(serve::HostPort advertised, serve::parse_host_port(o.advertised_kafka_addr));
        config.advertised_kafka_addr = advertised;
    }
    if (o.shards) config.shards = o.shards;
    return config;
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto options = std::make_shared<ServeOptions>();
    CLI::App* cmd = app.add_subcommand("serve", "Run the broker (Kafka protocol + admin HTTP)");
    cmd->add_option("--data-dir", options->data_dir, "Where the logs live (default ./data)");
    cmd->add_option("--kafka-addr", options->kafka_addr,
                    "HOST:PORT the Kafka listener binds (default 127.0.0.1:9092)");
    cmd->add_option("--admin-addr", options->admin_addr,
                    "HOST:PORT of the admin HTTP server (default 127.0.0.1:9644)");
    cmd->add_option("--advertised-kafka-addr", options->advertised_kafka_addr,
                    "HOST:PORT clients are told to connect to (default: the Kafka address)");
    cmd->add_option("--registry-addr", options->registry_addr,
                    "HOST:PORT of the schema registry (default 127.0.0.1:8081; off: none)");
    cmd->add_option("--config", options->config_file, "YAML config file (Kafka broker keys)");
    cmd->add_option("--shards", options->shards, "Shards (threads); default one per CPU")
        ->check(CLI::Range(1, 256));
    cmd->callback([options] {
        auto config = resolve(*options);
        if (!config.ok()) {
            std::fprintf(stderr, "edgestream serve: %s\n", config.error().to_string().c_str());
            throw CLI::RuntimeError(2);
        }
        int code = serve::run_until_signal(std::move(config).value());
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
