#pragma once

// What every client command of the CLI shares: exit codes and how a command fails, KEY=VALUE
// options, the connection options (--brokers, -X/--property, --timeout-ms), and tables.
//
// Exit codes: 0 success, 1 failure (the cluster refused or could not be reached), 2 usage (a
// malformed argument, an unknown librdkafka property). A command signals them by throwing
// CLI::RuntimeError(code), which main() returns.

#include "base/result.h"
#include "client/admin.h"
#include "client/config.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::app {

constexpr int kFailure = 1;
constexpr int kUsage = 2;

/// Prints "edgestream <command>: <message>" to stderr and ends the command with `code`.
[[noreturn]] void fail(int code, std::string_view command, std::string_view message);
/// A client error ends the command with 2 when the input was at fault, 1 otherwise.
[[noreturn]] void fail(std::string_view command, const Error& error);

Result<std::pair<std::string, std::string>> parse_key_value(const std::string& arg,
                                                            std::string_view option);
Result<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& args,
                                                            std::string_view option);

/// The options every client command has: where the cluster is and how to talk to it.
struct Connection {
    std::string brokers = "127.0.0.1:9092";
    std::vector<std::string> properties;
    int64_t timeout_ms = 10000;

    void add_to(CLI::App* cmd);
    client::ClientConfig config(std::string_view command) const;
    std::unique_ptr<client::Admin> admin(std::string_view command) const;
};

/// True when -X sets a test.mock.* property: librdkafka's mock cluster, private to one client.
bool uses_mock_cluster(const Connection& connection);

/// Creates the topics that are missing with `partitions` each. Where CreateTopics is not
/// available (the mock cluster, private to each client, or a refusal), says so on `out` and
/// leaves it to the producer's auto-creation.
void ensure_topics(const Connection& connection, const std::vector<std::string>& topics,
                   int partitions, std::string_view command, std::FILE* out);

/// Columns padded to their widest cell, two spaces apart; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace es::app
