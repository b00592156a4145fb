#include "app/cli_support.h"

#include "base/errc.h"
#include "client/errc.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace es::app {

void fail(int code, std::string_view command, std::string_view message) {
    fmt::print(stderr, "edgestream {}: {}\n", command, message);
    throw CLI::RuntimeError(code);
}

void fail(std::string_view command, const Error& error) {
    bool usage = error.is(client::Errc::config) || error.is(client::Errc::invalid_argument) ||
                 error.is(es::Errc::invalid_argument);
    fail(usage ? kUsage : kFailure, command, error.to_string());
}

Result<std::pair<std::string, std::string>> parse_key_value(const std::string& arg,
                                                            std::string_view option) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
        return Error(es::Errc::invalid_argument,
                     fmt::format("{} \"{}\": expected KEY=VALUE", option, arg));
    }
    return std::pair{arg.substr(0, eq), arg.substr(eq + 1)};
}

Result<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& args,
                                                            std::string_view option) {
    std::map<std::string, std::string> out;
    for (const std::string& arg : args) {
        ES_TRY(auto kv, parse_key_value(arg, option));
        out[kv.first] = kv.second;
    }
    return out;
}

void Connection::add_to(CLI::App* cmd) {
    cmd->add_option("--brokers", brokers, "Bootstrap servers: HOST:PORT[,HOST:PORT...]")
        ->capture_default_str();
    cmd->add_option("-X,--property", properties,
                    "A librdkafka property KEY=VALUE, passed through (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cmd->add_option("--timeout-ms", timeout_ms,
                    "How long to wait for the cluster (and, for produce, for each delivery)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

client::ClientConfig Connection::config(std::string_view command) const {
    client::ClientConfig c;
    c.brokers = brokers;
    c.timeout = std::chrono::milliseconds(timeout_ms);
    auto props = parse_key_values(properties, "--property");
    if (!props.ok()) fail(command, props.error());
    c.properties = std::move(props).value();
    return c;
}

std::unique_ptr<client::Admin> Connection::admin(std::string_view command) const {
    auto made = client::Admin::make(config(command));
    if (!made.ok()) fail(command, made.error());
    return std::move(made).value();
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths;
    for (const auto& row : rows) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
        }
        std::fputs(line.c_str(), stdout);
        std::fputc('\n', stdout);
    }
}

bool uses_mock_cluster(const Connection& connection) {
    for (const auto& p : connection.properties) {
        if (p.rfind("test.mock.", 0) == 0) return true;
    }
    return false;
}

void ensure_topics(const Connection& connection, const std::vector<std::string>& topics,
                   int partitions, std::string_view command, std::FILE* out) {
    if (uses_mock_cluster(connection)) return;
    auto admin = client::Admin::make(connection.config(command));
    if (!admin.ok()) fail(command, admin.error());
    for (const std::string& topic : topics) {
        if ((*admin)->describe_partitions(topic).ok()) continue;
        auto created = (*admin)->create_topic(topic, partitions, 1);
        if (!created.ok() && !created.error().is(client::Errc::topic_exists)) {
            std::fprintf(out, "cannot create topic %s (%s); relying on auto-creation\n",
                         topic.c_str(), created.error().to_string().c_str());
        }
    }
}

}  // namespace es::app
