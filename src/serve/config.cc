#include "serve/config.h"

#include "base/errc.h"
#include "broker/topic_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace es::serve {

namespace {

Error config_error(const std::string& origin, const std::string& what) {
    return Error(Errc::invalid_argument, origin + ": " + what);
}

Result<int64_t> parse_int(const std::string& key, const std::string& value, int64_t min,
                          int64_t max) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v < min || v > max) {
        return Error(Errc::invalid_argument, key + ": '" + value + "' is not an integer in [" +
                                                 std::to_string(min) + ", " + std::to_string(max) +
                                                 "]");
    }
    return v;
}

Result<bool> parse_bool(const std::string& key, const std::string& value) {
    if (value == "true") return true;
    if (value == "false") return false;
    return Error(Errc::invalid_argument, key + ": '" + value + "' is not true or false");
}

/// One Kafka broker property. Topic defaults go to the broker's defaults map after the range
/// check of the topic config they stand for; the rest set broker and server fields.
Status apply_broker_key(ServeConfig& config, const std::string& key, const std::string& value) {
    constexpr int64_t kIntMax = INT32_MAX;
    constexpr int64_t kLongMax = INT64_MAX;
    if (key == "num.partitions") {
        ES_TRY(int64_t v, parse_int(key, value, 1, 100000));
        config.broker.num_partitions = static_cast<int32_t>(v);
    } else if (key == "auto.create.topics.enable") {
        ES_TRY(bool v, parse_bool(key, value));
        config.broker.auto_create_topics = v;
    } else if (key == "log.retention.check.interval.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kLongMax));
        config.broker.retention_check_interval_ms = v;
    } else if (key == "node.id" || key == "broker.id") {
        ES_TRY(int64_t v, parse_int(key, value, 0, kIntMax));
        config.broker.node_id = static_cast<int32_t>(v);
        config.server.node_id = static_cast<int32_t>(v);
    } else if (key == "socket.request.max.bytes") {
        ES_TRY(int64_t v, parse_int(key, value, 1024, kIntMax));
        config.server.max_request_bytes = static_cast<size_t>(v);
    } else if (key == "max.connections") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.server.max_connections = static_cast<size_t>(v);
    } else if (key == "connections.max.idle.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kLongMax));
        config.server.idle_timeout_ms = v;
    } else if (key == "group.min.session.timeout.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.groups.min_session_timeout_ms = static_cast<int32_t>(v);
    } else if (key == "group.max.session.timeout.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.groups.max_session_timeout_ms = static_cast<int32_t>(v);
    } else if (key == "group.initial.rebalance.delay.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 0, kIntMax));
        config.groups.initial_rebalance_delay_ms = static_cast<int32_t>(v);
    } else if (key == "group.max.size") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.groups.max_size = static_cast<int32_t>(v);
    } else if (key == "offsets.retention.minutes") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kLongMax / 60000));
        config.groups.offsets_retention_ms = v * 60000;
    } else if (key == "transaction.max.timeout.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.transactions.max_timeout_ms = static_cast<int32_t>(v);
    } else if (key == "transaction.abort.timed.out.transaction.cleanup.interval.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.transactions.abort_timed_out_interval_ms = v;
    } else if (key == "transactional.id.expiration.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kIntMax));
        config.transactions.id_expiration_ms = v;
    } else if (key == "producer.id.expiration.ms") {
        ES_TRY(int64_t v, parse_int(key, value, 1, kLongMax));
        config.broker.producer_id_expiration_ms = v;
    } else if (key == "cluster.id") {
        config.server.cluster_id = value;
    } else if (key == "log.retention.hours" || key == "log.retention.minutes") {
        // Kafka's precedence: ms over minutes over hours; all become log.retention.ms here.
        ES_TRY(int64_t v, parse_int(key, value, -1, kLongMax / 3600000));
        int64_t scale = key == "log.retention.hours" ? 3600000 : 60000;
        auto& defaults = config.broker.defaults;
        bool finer_set = defaults.count("log.retention.ms") ||
                         (scale == 3600000 && defaults.count("log.retention.minutes"));
        if (!finer_set) defaults["log.retention.ms"] = std::to_string(v < 0 ? -1 : v * scale);
        if (scale == 60000) defaults["log.retention.minutes"] = value;
    } else {
        ES_CHECK(broker::validate_broker_default(key, value));
        config.broker.defaults[key] = value;
    }
    return {};
}

std::string scalar(const YAML::Node& node) { return node.as<std::string>(); }

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return Error(Errc::invalid_argument, "address '" + std::string(text) + "': " + why);
    };
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("expected HOST:PORT");
    std::string_view host = text.substr(0, colon);
    std::string_view port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) return bad("empty host");
    int v = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || end != port.data() + port.size() || v < 0 || v > 65535) {
        return bad("port must be a number in [0, 65535]");
    }
    return HostPort{std::string(host), static_cast<uint16_t>(v)};
}

Result<std::optional<HostPort>> parse_optional_host_port(std::string_view text) {
    if (text == "off") return std::optional<HostPort>();
    ES_TRY(HostPort a, parse_host_port(text));
    return std::optional<HostPort>(std::move(a));
}

Result<ServeConfig> load_config_text(const std::string& text, ServeConfig config,
                                     const std::string& origin) {
    // yaml-cpp reports errors by throwing; they end here as typed errors.
    try {
        YAML::Node root = YAML::Load(text);
        if (root.IsNull()) return config;
        if (!root.IsMap()) return config_error(origin, "expected a mapping at the top level");
        for (const auto& item : root) {
            std::string key = item.first.as<std::string>();
            const YAML::Node& value = item.second;
            auto address = [&]() -> Result<HostPort> {
                auto parsed = parse_host_port(scalar(value));
                if (!parsed.ok())
                    return config_error(origin, key + ": " + parsed.error().message());
                return parsed;
            };
            if (key == "data_dir") {
                config.data_dir = scalar(value);
            } else if (key == "kafka_addr") {
                ES_TRY(config.kafka_addr, address());
            } else if (key == "admin_addr") {
                ES_TRY(config.admin_addr, address());
            } else if (key == "registry_addr") {
                auto parsed = parse_optional_host_port(scalar(value));
                if (!parsed.ok()) {
                    return config_error(origin, key + ": " + parsed.error().message());
                }
                config.registry_addr = *parsed;
            } else if (key == "advertised_kafka_addr") {
                ES_TRY(HostPort a, address());
                config.advertised_kafka_addr = a;
            } else if (key == "shards") {
                auto v = parse_int(key, scalar(value), 1, 256);
                if (!v.ok()) return config_error(origin, v.error().message());
                config.shards = static_cast<size_t>(*v);
            } else if (key == "shutdown_drain_ms") {
                auto v = parse_int(key, scalar(value), 0, 600000);
                if (!v.ok()) return config_error(origin, v.error().message());
                config.shutdown_drain_ms = *v;
            } else if (key == "broker") {
                if (!value.IsMap()) return config_error(origin, "broker: expected a mapping");
                for (const auto& entry : value) {
                    std::string name = entry.first.as<std::string>();
                    if (!entry.second.IsScalar()) {
                        return config_error(origin, "broker." + name + ": expected a value");
                    }
                    auto applied = apply_broker_key(config, name, scalar(entry.second));
                    if (!applied.ok()) return config_error(origin, applied.error().message());
                }
            } else {
                return config_error(origin, "unknown key '" + key + "'");
            }
        }
    } catch (const YAML::Exception& e) {
        return config_error(origin, std::string("not valid YAML: ") + e.what());
    }
    return config;
}

Result<ServeConfig> load_config_file(const std::string& path, ServeConfig base) {
    std::ifstream in(path);
    if (!in) return Error(Errc::not_found, "cannot read config file " + path);
    std::stringstream text;
    text << in.rdbuf();
    return load_config_text(text.str(), std::move(base), path);
}

}  // namespace es::serve
