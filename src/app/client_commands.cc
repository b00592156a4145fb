// The operator CLI over client/: `topic`, `produce` and `consume`. Wiring and formatting only;
// everything that talks to Kafka is in client/.
//
// Exit codes: 0 success, 1 failure (the cluster refused or could not be reached, a delivery
// failed), 2 usage (a malformed argument, an unknown librdkafka property). A command signals
// them by throwing CLI::RuntimeError(code), which CLI11_PARSE in main() returns.

#include "app/cli_support.h"
#include "app/commands.h"
#include "base/errc.h"
#include "base/result.h"
#include "client/admin.h"
#include "client/consumer.h"
#include "client/errc.h"
#include "client/producer.h"
#include "registry/serdes/confluent_serde.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::app {
namespace {

std::string join(const std::vector<int32_t>& ids) {
    std::string out;
    for (int32_t id : ids) {
        if (!out.empty()) out += ',';
        out += std::to_string(id);
    }
    return out;
}

// --- topic ------------------------------------------------------------------------------------

void add_topic_commands(CLI::App& app) {
    CLI::App* topic =
        app.add_subcommand("topic", "Create, list, describe, alter and delete topics");
    topic->require_subcommand(1);

    {
        struct Options {
            Connection connection;
            std::string name;
            int32_t partitions = -1;
            int16_t replication = -1;
            std::vector<std::string> configs;
        };
        auto o = std::make_shared<Options>();
        CLI::App* cmd = topic->add_subcommand("create", "Create a topic");
        cmd->add_option("name", o->name, "Topic name")->required();
        cmd->add_option("-p,--partitions", o->partitions,
                        "Partitions (default: the broker's num.partitions)")
            ->check(CLI::PositiveNumber);
        cmd->add_option("-r,--replication-factor", o->replication,
                        "Replicas per partition (default: the broker's default)")
            ->check(CLI::PositiveNumber);
        cmd->add_option("-c,--config", o->configs, "Topic config KEY=VALUE (repeatable)")
            ->type_name("KEY=VALUE")
            ->allow_extra_args(false);
        o->connection.add_to(cmd);
        cmd->callback([o] {
            constexpr std::string_view command = "topic create";
            auto configs = parse_key_values(o->configs, "--config");
            if (!configs.ok()) fail(command, configs.error());
            auto admin = o->connection.admin(command);
            Status created = admin->create_topic(o->name, o->partitions, o->replication, *configs);
            if (!created.ok()) fail(command, created.error());
            fmt::print("created topic \"{}\"\n", o->name);
        });
    }

    {
        auto o = std::make_shared<Connection>();
        CLI::App* cmd = topic->add_subcommand("list", "List topics with partitions and replicas");
        o->add_to(cmd);
        cmd->callback([o] {
            constexpr std::string_view command = "topic list";
            auto admin = o->admin(command);
            auto topics = admin->list_topics();
            if (!topics.ok()) fail(command, topics.error());
            std::vector<std::vector<std::string>> rows = {{"NAME", "PARTITIONS", "REPLICAS"}};
            for (const client::TopicSummary& t : *topics) {
                rows.push_back(
                    {t.name, std::to_string(t.partitions), std::to_string(t.replication_factor)});
            }
            print_table(rows);
        });
    }

    {
        struct Options {
            Connection connection;
            std::string name;
        };
        auto o = std::make_shared<Options>();
        CLI::App* cmd = topic->add_subcommand("describe", "Show a topic's partitions and configs");
        cmd->add_option("name", o->name, "Topic name")->required();
        o->connection.add_to(cmd);
        cmd->callback([o] {
            constexpr std::string_view command = "topic describe";
            auto admin = o->connection.admin(command);
            auto partitions = admin->describe_partitions(o->name);
            if (!partitions.ok()) fail(command, partitions.error());
            size_t replicas = partitions->empty() ? 0 : partitions->front().replicas.size();
            print_table({{"NAME", o->name},
                         {"PARTITIONS", std::to_string(partitions->size())},
                         {"REPLICAS", std::to_string(replicas)}});
            std::fputc('\n', stdout);
            std::vector<std::vector<std::string>> rows = {
                {"PARTITION", "LEADER", "REPLICAS", "ISR", "ERROR"}};
            for (const client::PartitionInfo& p : *partitions) {
                rows.push_back({std::to_string(p.id.value()), std::to_string(p.leader),
                                join(p.replicas), join(p.isr), p.error.empty() ? "-" : p.error});
            }
            print_table(rows);
            std::fflush(stdout);

            // The partitions are printed even when the configs cannot be read.
            auto configs = admin->describe_configs(o->name);
            if (!configs.ok()) fail(command, configs.error());
            std::fputc('\n', stdout);
            rows = {{"CONFIG", "VALUE", "SOURCE"}};
            for (const client::ConfigEntry& e : *configs) {
                std::string value = e.value ? *e.value : (e.sensitive ? "(sensitive)" : "-");
                rows.push_back({e.name, value, std::string(client::to_string(e.source))});
            }
            print_table(rows);
        });
    }

    {
        struct Options {
            Connection connection;
            std::string name;
        };
        auto o = std::make_shared<Options>();
        CLI::App* cmd = topic->add_subcommand("delete", "Delete a topic and its data");
        cmd->add_option("name", o->name, "Topic name")->required();
        o->connection.add_to(cmd);
        cmd->callback([o] {
            constexpr std::string_view command = "topic delete";
            auto admin = o->connection.admin(command);
            Status deleted = admin->delete_topic(o->name);
            if (!deleted.ok()) fail(command, deleted.error());
            fmt::print("deleted topic \"{}\"\n", o->name);
        });
    }

    {
        struct Options {
            Connection connection;
            std::string name;
            std::vector<std::string> set;
            std::vector<std::string> remove;
        };
        auto o = std::make_shared<Options>();
        CLI::App* cmd =
            topic->add_subcommand("alter", "Set or remove topic configs; other overrides are kept");
        cmd->add_option("name", o->name, "Topic name")->required();
        cmd->add_option("-c,--config", o->set, "Config to set, KEY=VALUE (repeatable)")
            ->type_name("KEY=VALUE")
            ->allow_extra_args(false);
        cmd->add_option("-d,--delete-config", o->remove,
                        "Config to remove, back to the broker's default (repeatable)")
            ->type_name("KEY")
            ->allow_extra_args(false);
        o->connection.add_to(cmd);
        cmd->callback([o] {
            constexpr std::string_view command = "topic alter";
            if (o->set.empty() && o->remove.empty()) {
                fail(kUsage, command, "nothing to change: give --config or --delete-config");
            }
            auto set = parse_key_values(o->set, "--config");
            if (!set.ok()) fail(command, set.error());
            auto admin = o->connection.admin(command);
            Status altered = admin->alter_topic_configs(o->name, *set, o->remove);
            if (!altered.ok()) fail(command, altered.error());
            fmt::print("altered topic \"{}\": {} set, {} removed\n", o->name, set->size(),
                       o->remove.size());
        });
    }

    {
        struct Options {
            Connection connection;
            std::string name;
            int32_t count = 0;
        };
        auto o = std::make_shared<Options>();
        CLI::App* cmd = topic->add_subcommand("add-partitions", "Add partitions to a topic");
        cmd->add_option("name", o->name, "Topic name")->required();
        cmd->add_option("-n,--count", o->count, "How many partitions to add")
            ->required()
            ->check(CLI::PositiveNumber);
        o->connection.add_to(cmd);
        cmd->callback([o] {
            constexpr std::string_view command = "topic add-partitions";
            auto admin = o->connection.admin(command);
            auto partitions = admin->describe_partitions(o->name);
            if (!partitions.ok()) fail(command, partitions.error());
            auto before = static_cast<int32_t>(partitions->size());
            Status grown = admin->create_partitions(o->name, before + o->count);
            if (!grown.ok()) fail(command, grown.error());
            fmt::print("topic \"{}\": {} -> {} partitions\n", o->name, before, before + o->count);
        });
    }
}

// --- produce ----------------------------------------------------------------------------------

struct ProduceOptions {
    Connection connection;
    std::string topic;
    std::string key_separator;
    std::vector<std::string> headers;
    int32_t partition = -1;
    std::string acks = "all";
    std::string compression = "none";
    std::string registry;
};

/// How the deliveries of one produce run went; filled by the delivery callbacks.
struct ProduceOutcome {
    static constexpr size_t kShownFailures = 10;
    uint64_t failed = 0;
    std::vector<std::string> failures;  // the first kShownFailures, with their line numbers
};

void run_produce(const ProduceOptions& o, bool has_key_separator, bool has_partition) {
    constexpr std::string_view command = "produce";
    if (has_key_separator && o.key_separator.empty()) {
        fail(kUsage, command, "--key-separator must not be empty");
    }
    std::vector<std::pair<std::string, std::string>> headers;
    for (const std::string& h : o.headers) {
        auto kv = parse_key_value(h, "--header");
        if (!kv.ok()) fail(command, kv.error());
        headers.push_back(std::move(kv).value());
    }
    std::vector<client::OutgoingHeader> outgoing;
    for (const auto& [key, value] : headers) outgoing.push_back({key, as_bytes(value)});

    client::ClientConfig config = o.connection.config(command);
    // Ours first; a --property of the same name wins.
    config.properties.emplace("acks", o.acks);
    config.properties.emplace("compression.type", o.compression);
    config.properties.emplace("message.timeout.ms", std::to_string(o.connection.timeout_ms));
    auto made = client::Producer::make(config);
    if (!made.ok()) fail(command, made.error());
    std::unique_ptr<client::Producer> producer = std::move(made).value();

    // With a registry, values are JSON written with the subject's latest schema, framed as
    // Confluent's serializers frame them (kafka-avro-console-producer's job).
    std::optional<registry::serdes::Serializer> serializer;
    std::string framed;
    if (!o.registry.empty()) {
        auto client = registry::serdes::RegistryClient::make(o.registry);
        if (!client.ok()) fail(kUsage, command, "--registry: " + client.error().message());
        const std::string subject = registry::serdes::topic_subject(o.topic, false);
        auto latest = (*client)->latest(subject);
        if (!latest.ok()) fail(command, latest.error());
        serializer.emplace(*client, subject, latest->type, latest->text);
        if (auto id = serializer->prepare(); !id.ok()) fail(command, id.error());
    }

    auto outcome = std::make_shared<ProduceOutcome>();
    char* line = nullptr;
    size_t capacity = 0;
    uint64_t line_number = 0;
    std::optional<Error> send_error;
    for (ssize_t n; (n = ::getline(&line, &capacity, stdin)) >= 0;) {
        ++line_number;
        std::string_view text(line, static_cast<size_t>(n));
        if (!text.empty() && text.back() == '\n') text.remove_suffix(1);

        client::ProducerRecord record;
        record.topic = o.topic;
        if (has_partition) record.partition = model::PartitionId(o.partition);
        record.headers = outgoing;
        size_t sep = has_key_separator ? text.find(o.key_separator) : std::string_view::npos;
        if (sep != std::string_view::npos) {
            record.key = as_bytes(text.substr(0, sep));
            record.value = as_bytes(text.substr(sep + o.key_separator.size()));
        } else {
            record.value = as_bytes(text);  // no separator: no key
        }
        if (serializer) {
            framed.clear();
            auto datum = registry::serdes::datum_from_json(as_string_view(*record.value));
            Status encoded =
                datum.ok() ? serializer->encode(*datum, framed) : Status(datum.error());
            if (!encoded.ok()) {
                send_error =
                    std::move(encoded).error().with_context(fmt::format("line {}", line_number));
                break;
            }
            record.value = as_bytes(framed);
        }
        Status sent = producer->send(
            record, [outcome, line_number](const Result<client::DeliveryReport>& report) {
                if (report.ok()) return;
                if (++outcome->failed <= ProduceOutcome::kShownFailures) {
                    outcome->failures.push_back(
                        fmt::format("line {}: {}", line_number, report.error().to_string()));
                }
            });
        if (!sent.ok()) {
            send_error = std::move(sent).error().with_context(fmt::format("line {}", line_number));
            break;
        }
    }
    std::free(line);

    // Every record either lands or fails within message.timeout.ms; the margin is for the
    // last one's callback.
    auto wait = std::chrono::milliseconds(o.connection.timeout_ms) + std::chrono::seconds(5);
    Status flushed = producer->flush(wait);
    client::ProducerStats stats = producer->stats();
    for (const std::string& f : outcome->failures) {
        fmt::print(stderr, "edgestream produce: {}\n", f);
    }
    if (outcome->failed > outcome->failures.size()) {
        fmt::print(stderr, "edgestream produce: ... and {} more failed deliveries\n",
                   outcome->failed - outcome->failures.size());
    }
    fmt::print(stderr, "edgestream produce: {} records to \"{}\": {} delivered, {} failed",
               stats.sent, o.topic, stats.delivered, stats.failed);
    if (stats.in_flight()) fmt::print(stderr, ", {} unconfirmed", stats.in_flight());
    fmt::print(stderr, "\n");

    if (send_error) fail(command, *send_error);
    if (stats.failed || stats.in_flight()) {
        if (!flushed.ok() && outcome->failures.empty()) fail(command, flushed.error());
        throw CLI::RuntimeError(kFailure);
    }
}

void add_produce_command(CLI::App& app) {
    auto o = std::make_shared<ProduceOptions>();
    CLI::App* cmd = app.add_subcommand(
        "produce", "Produce one record per line of stdin; a summary goes to stderr");
    cmd->add_option("topic", o->topic, "Topic name")->required();
    CLI::Option* key_separator = cmd->add_option(
        "-K,--key-separator", o->key_separator,
        "Split each line at the first SEP into key and value (a line without SEP has no key)");
    key_separator->type_name("SEP");
    cmd->add_option("-H,--header", o->headers, "Header KEY=VALUE on every record (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    CLI::Option* partition =
        cmd->add_option("-p,--partition", o->partition, "Partition (default: by key)")
            ->check(CLI::NonNegativeNumber);
    cmd->add_option("--acks", o->acks, "Acknowledgement: all, 1 or 0")
        ->check(CLI::IsMember({"all", "-1", "1", "0"}))
        ->capture_default_str();
    cmd->add_option("--compression", o->compression, "none, gzip, snappy, lz4 or zstd")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
        ->capture_default_str();
    cmd->add_option("--registry", o->registry,
                    "Schema registry URL: values are JSON, written in the Confluent wire format "
                    "with the latest schema of <topic>-value (Avro, JSON Schema, Protobuf)");
    o->connection.add_to(cmd);
    cmd->callback([o, key_separator, partition] {
        run_produce(*o, key_separator->count() > 0, partition->count() > 0);
    });
}

// --- consume ----------------------------------------------------------------------------------

struct ConsumeOptions {
    Connection connection;
    std::string topic;
    std::string from = "beginning";
    std::vector<int32_t> partitions;
    uint64_t count = 0;
    std::string format = "value";
    std::string key_separator = "\t";
    bool exit_at_end = false;
    std::string registry;
};

std::optional<client::StartPosition> parse_start(const std::string& from) {
    auto digits = [](std::string_view s) {
        return !s.empty() && s.size() <= 18 &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (from == "beginning") return client::StartPosition::beginning();
    if (from == "end") return client::StartPosition::end();
    if (digits(from)) return client::StartPosition::at_offset(model::Offset(std::stoll(from)));
    if (from.size() > 1 && from[0] == '@' && digits(std::string_view(from).substr(1))) {
        return client::StartPosition::at_timestamp(std::stoll(from.substr(1)));
    }
    return std::nullopt;
}

std::string_view text_of(const std::optional<Bytes>& b) {
    return b ? as_string_view(*b) : std::string_view();
}

nlohmann::ordered_json json_of(const std::optional<Bytes>& b) {
    return b ? nlohmann::ordered_json(std::string(as_string_view(*b)))
             : nlohmann::ordered_json(nullptr);
}

/// Values in the Confluent wire format as JSON text; a value that does not decode is reported
/// on stderr with its position and printed as it is.
class ValueDecoder {
  public:
    explicit ValueDecoder(const std::string& registry_url) {
        if (registry_url.empty()) return;
        auto client = registry::serdes::RegistryClient::make(registry_url);
        if (!client.ok()) fail(kUsage, "consume", "--registry: " + client.error().message());
        deserializer_.emplace(std::move(client).value(), std::nullopt);
    }
    bool active() const { return deserializer_.has_value(); }
    /// The decoded value as JSON, or nullopt (reported) when it does not decode.
    std::optional<std::string> json(const client::Message& m) {
        if (!m.value) return std::nullopt;
        auto datum = deserializer_->decode(as_string_view(*m.value));
        if (!datum.ok()) {
            fmt::print(stderr, "edgestream consume: {} partition {} offset {}: {}\n", m.topic,
                       m.partition.value(), m.offset.value(), datum.error().message());
            return std::nullopt;
        }
        return registry::serdes::datum_to_json(*datum);
    }

  private:
    std::optional<registry::serdes::Deserializer> deserializer_;
};

void print_message(const client::Message& m, const ConsumeOptions& o, ValueDecoder& decoder) {
    std::optional<std::string> decoded = decoder.active() ? decoder.json(m) : std::nullopt;
    std::string_view value = decoded ? std::string_view(*decoded) : text_of(m.value);
    std::string out;
    if (o.format == "json") {
        nlohmann::ordered_json headers = nlohmann::ordered_json::array();
        for (const client::Header& h : m.headers) {
            headers.push_back({{"key", h.key}, {"value", json_of(h.value)}});
        }
        nlohmann::ordered_json j = {
            {"topic", m.topic},
            {"partition", m.partition.value()},
            {"offset", m.offset.value()},
            {"timestamp", m.timestamp ? nlohmann::ordered_json(m.timestamp->ms)
                                      : nlohmann::ordered_json(nullptr)},
            {"key", json_of(m.key)},
            {"value", decoded ? nlohmann::ordered_json::parse(*decoded) : json_of(m.value)},
            {"headers", std::move(headers)},
        };
        // Bytes that are not UTF-8 become U+FFFD rather than an invalid JSON line.
        out = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    } else if (o.format == "kv") {
        out.append(text_of(m.key)).append(o.key_separator).append(value);
    } else {
        out.append(value);
    }
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
}

void run_consume(const ConsumeOptions& o) {
    constexpr std::string_view command = "consume";
    std::optional<client::StartPosition> start = parse_start(o.from);
    if (!start) {
        fail(kUsage, command,
             fmt::format("--from \"{}\": expected beginning, end, an offset or @TIMESTAMP_MS",
                         o.from));
    }
    auto made = client::Consumer::make(o.connection.config(command));
    if (!made.ok()) fail(command, made.error());
    std::unique_ptr<client::Consumer> consumer = std::move(made).value();
    std::vector<model::PartitionId> partitions;
    for (int32_t p : o.partitions) partitions.emplace_back(p);
    Status assigned = consumer->assign(o.topic, partitions, *start);
    if (!assigned.ok()) fail(command, assigned.error());

    ValueDecoder decoder(o.registry);
    uint64_t seen = 0;
    while (o.count == 0 || seen < o.count) {
        auto polled = consumer->poll(std::chrono::milliseconds(200));
        if (!polled.ok()) {
            const Error& e = polled.error();
            // librdkafka reconnects and retries on its own; anything else will not get better.
            if (e.is(client::Errc::transport) || e.is(client::Errc::timeout)) {
                fmt::print(stderr, "edgestream consume: warning: {}\n", e.to_string());
                continue;
            }
            std::fflush(stdout);
            fail(command, e);
        }
        if (*polled) {
            print_message(**polled, o, decoder);
            ++seen;
        } else {
            std::fflush(stdout);  // idle: let a reader see what came so far
            if (o.exit_at_end && consumer->at_end()) break;
        }
    }
    std::fflush(stdout);
}

void add_consume_command(CLI::App& app) {
    auto o = std::make_shared<ConsumeOptions>();
    CLI::App* cmd = app.add_subcommand("consume", "Print records of a topic to stdout");
    cmd->add_option("topic", o->topic, "Topic name")->required();
    cmd->add_option("-o,--from", o->from,
                    "Where to start: beginning, end, an OFFSET, or @TIMESTAMP_MS (the first "
                    "record at or after that time)")
        ->capture_default_str();
    cmd->add_option("-p,--partition", o->partitions, "Partition to read (repeatable; default all)")
        ->check(CLI::NonNegativeNumber)
        ->allow_extra_args(false);
    cmd->add_option("-n,--count", o->count, "Stop after N records")->check(CLI::PositiveNumber);
    cmd->add_option("-f,--format", o->format,
                    "value: the value; kv: key, separator, value; json: one object per record")
        ->check(CLI::IsMember({"value", "kv", "json"}))
        ->capture_default_str();
    cmd->add_option("-K,--key-separator", o->key_separator,
                    "Between key and value in the kv format (default: a tab)");
    cmd->add_flag("-e,--exit-at-end", o->exit_at_end,
                  "Exit once every partition is read to its end");
    cmd->add_option("--registry", o->registry,
                    "Schema registry URL: values in the Confluent wire format (Avro, JSON Schema, "
                    "Protobuf) are printed as JSON");
    o->connection.add_to(cmd);
    cmd->callback([o] { run_consume(*o); });
}

}  // namespace

void add_client_commands(CLI::App& app) {
    add_topic_commands(app);
    add_produce_command(app);
    add_consume_command(app);
}

}  // namespace es::app
