#include "broker/topic_config.h"

#include "broker/errc.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace es::broker {
namespace {

enum class Kind { long_value, int_value, boolean, string_enum, list_enum, double_value };

struct Def {
    const char* name;
    const char* broker_key;  // the broker default it follows, or nullptr
    Kind kind;
    const char* fallback;  // built-in default
    int64_t min = std::numeric_limits<int64_t>::min();
    int64_t max = std::numeric_limits<int64_t>::max();
    std::vector<std::string> allowed = {};
    const char* doc = "";
};

constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();

// The one table of topic configs: names, types, defaults and ranges as Kafka has them.
const std::vector<Def>& defs() {
    static const std::vector<Def> table = {
        {"cleanup.policy",
         "log.cleanup.policy",
         Kind::list_enum,
         "delete",
         0,
         0,
         {"delete", "compact"},
         "delete old segments, compact by key, or both"},
        {"compression.type",
         "compression.type",
         Kind::string_enum,
         "producer",
         0,
         0,
         {"producer"},
         "batches are stored as the producer compressed them"},
        {"delete.retention.ms",
         "log.cleaner.delete.retention.ms",
         Kind::long_value,
         "86400000",
         0,
         kLongMax,
         {},
         "how long tombstones stay in a compacted topic"},
        {"file.delete.delay.ms",
         "log.segment.delete.delay.ms",
         Kind::long_value,
         "60000",
         0,
         kLongMax,
         {},
         "accepted for compatibility; segments are deleted at once"},
        {"flush.messages",
         "log.flush.interval.messages",
         Kind::long_value,
         "1",
         1,
         kLongMax,
         {},
         "1: fdatasync before acks=all is answered (group-committed); more: every flush.ms"},
        {"flush.ms",
         "log.flush.interval.ms",
         Kind::long_value,
         "1000",
         0,
         kLongMax,
         {},
         "fdatasync interval when flush.messages > 1"},
        {"index.interval.bytes",
         "log.index.interval.bytes",
         Kind::int_value,
         "4096",
         0,
         kIntMax,
         {},
         "bytes of log between sparse index entries"},
        {"max.message.bytes",
         "message.max.bytes",
         Kind::int_value,
         "1048588",
         0,
         kIntMax,
         {},
         "largest record batch accepted"},
        {"message.timestamp.difference.max.ms",
         "log.message.timestamp.difference.max.ms",
         Kind::long_value,
         "9223372036854775807",
         0,
         kLongMax,
         {},
         "largest allowed difference between a record's timestamp and the broker's clock"},
        {"message.timestamp.type",
         "log.message.timestamp.type",
         Kind::string_enum,
         "CreateTime",
         0,
         0,
         {"CreateTime", "LogAppendTime"},
         "which timestamp is stored"},
        {"min.cleanable.dirty.ratio",
         "log.cleaner.min.cleanable.ratio",
         Kind::double_value,
         "0.5",
         0,
         1,
         {},
         "accepted for compatibility"},
        {"min.compaction.lag.ms",
         "log.cleaner.min.compaction.lag.ms",
         Kind::long_value,
         "0",
         0,
         kLongMax,
         {},
         "accepted for compatibility"},
        {"min.insync.replicas",
         "min.insync.replicas",
         Kind::int_value,
         "1",
         1,
         kIntMax,
         {},
         "a single-node broker has one replica"},
        {"preallocate",
         "log.preallocate",
         Kind::boolean,
         "false",
         0,
         0,
         {},
         "accepted for compatibility"},
        {"retention.bytes",
         "log.retention.bytes",
         Kind::long_value,
         "-1",
         -1,
         kLongMax,
         {},
         "delete old segments beyond this size (-1: no limit)"},
        {"retention.ms",
         "log.retention.ms",
         Kind::long_value,
         "604800000",
         -1,
         kLongMax,
         {},
         "delete segments older than this (-1: no limit)"},
        {"segment.bytes",
         "log.segment.bytes",
         Kind::int_value,
         "1073741824",
         14,
         kIntMax,
         {},
         "roll a new segment at this size"},
        {"segment.index.bytes",
         "log.index.size.max.bytes",
         Kind::int_value,
         "10485760",
         4,
         kIntMax,
         {},
         "accepted for compatibility"},
        {"segment.ms",
         "log.roll.ms",
         Kind::long_value,
         "604800000",
         1,
         kLongMax,
         {},
         "roll a new segment at this age"},
        {"unclean.leader.election.enable",
         "unclean.leader.election.enable",
         Kind::boolean,
         "false",
         0,
         0,
         {},
         "accepted for compatibility"},
    };
    return table;
}

const Def* find(const std::string& name) {
    for (const auto& d : defs()) {
        if (name == d.name) return &d;
    }
    return nullptr;
}

const char* type_name(Kind k) {
    switch (k) {
        case Kind::long_value:
            return "long";
        case Kind::int_value:
            return "int";
        case Kind::boolean:
            return "boolean";
        case Kind::string_enum:
            return "string";
        case Kind::list_enum:
            return "list";
        case Kind::double_value:
            return "double";
    }
    return "string";
}

Status check(const Def& d, const std::string& value) {
    auto bad = [&](const std::string& why) {
        return Error(Errc::invalid_config,
                     "invalid value '" + value + "' for " + d.name + ": " + why);
    };
    switch (d.kind) {
        case Kind::long_value:
        case Kind::int_value: {
            int64_t v = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (ec != std::errc() || end != value.data() + value.size())
                return bad("not an integer");
            if (v < d.min || v > d.max) {
                return bad("must be in [" + std::to_string(d.min) + ", " + std::to_string(d.max) +
                           "]");
            }
            return {};
        }
        case Kind::double_value: {
            char* end = nullptr;
            double v = std::strtod(value.c_str(), &end);
            if (value.empty() || *end != '\0') return bad("not a number");
            if (v < static_cast<double>(d.min) || v > static_cast<double>(d.max))
                return bad("out of range");
            return {};
        }
        case Kind::boolean:
            if (value != "true" && value != "false") return bad("must be true or false");
            return {};
        case Kind::string_enum:
            if (std::find(d.allowed.begin(), d.allowed.end(), value) == d.allowed.end()) {
                std::string options;
                for (const auto& a : d.allowed) options += (options.empty() ? "" : ", ") + a;
                return bad("must be one of: " + options);
            }
            return {};
        case Kind::list_enum: {
            size_t start = 0;
            int parts = 0;
            while (start <= value.size()) {
                size_t comma = value.find(',', start);
                std::string item = value.substr(
                    start, comma == std::string::npos ? std::string::npos : comma - start);
                item.erase(0, item.find_first_not_of(' '));
                item.erase(item.find_last_not_of(' ') + 1);
                if (std::find(d.allowed.begin(), d.allowed.end(), item) == d.allowed.end()) {
                    return bad("unknown item '" + item + "'");
                }
                ++parts;
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
            if (parts == 0) return bad("empty");
            return {};
        }
    }
    return {};
}

int64_t as_long(const std::string& v) {
    int64_t out = 0;
    std::from_chars(v.data(), v.data() + v.size(), out);
    return out;
}

}  // namespace

Status TopicConfig::validate(const std::string& name, const std::string& value) {
    const Def* d = find(name);
    if (!d) return Error(Errc::invalid_config, "unknown topic config '" + name + "'");
    return check(*d, value);
}

bool TopicConfig::is_known(const std::string& name) { return find(name) != nullptr; }

Result<TopicConfig> TopicConfig::make(const BrokerDefaults& defaults,
                                      std::map<std::string, std::string> overrides) {
    for (const auto& [name, value] : overrides) ES_CHECK(validate(name, value));
    TopicConfig c;
    c.defaults_ = defaults;
    c.overrides_ = std::move(overrides);
    return c;
}

std::string TopicConfig::get(const std::string& name) const {
    if (auto it = overrides_.find(name); it != overrides_.end()) return it->second;
    const Def* d = find(name);
    if (!d) return {};
    if (d->broker_key) {
        if (auto it = defaults_.find(d->broker_key); it != defaults_.end()) return it->second;
    }
    return d->fallback;
}

storage::LogConfig TopicConfig::log_config() const {
    storage::LogConfig c;
    c.segment_bytes = static_cast<uint64_t>(as_long(get("segment.bytes")));
    c.segment_ms = as_long(get("segment.ms"));
    c.retention_bytes = as_long(get("retention.bytes"));
    c.retention_ms = as_long(get("retention.ms"));
    c.index_interval_bytes = static_cast<uint32_t>(as_long(get("index.interval.bytes")));
    c.delete_retention_ms = as_long(get("delete.retention.ms"));
    std::string policy = get("cleanup.policy");
    c.cleanup_delete = policy.find("delete") != std::string::npos;
    c.cleanup_compact = policy.find("compact") != std::string::npos;
    int64_t flush_messages = as_long(get("flush.messages"));
    int64_t flush_ms = as_long(get("flush.ms"));
    if (flush_messages <= 1) {
        c.flush_policy = storage::FlushPolicy::every_append;
    } else if (flush_ms < kLongMax) {
        c.flush_policy = storage::FlushPolicy::interval;
        c.flush_interval_ms = std::max<int64_t>(flush_ms, 1);
    } else {
        c.flush_policy = storage::FlushPolicy::os;
    }
    return c;
}

int32_t TopicConfig::max_message_bytes() const {
    return static_cast<int32_t>(as_long(get("max.message.bytes")));
}

bool TopicConfig::log_append_time() const {
    return get("message.timestamp.type") == "LogAppendTime";
}

std::vector<ConfigEntry> TopicConfig::describe() const {
    std::vector<ConfigEntry> out;
    for (const auto& d : defs()) {
        ConfigEntry e;
        e.name = d.name;
        e.value = get(d.name);
        e.type = type_name(d.kind);
        e.documentation = d.doc;
        if (overrides_.count(d.name)) {
            e.source = ConfigSource::dynamic_topic;
        } else if (d.broker_key && defaults_.count(d.broker_key)) {
            e.source = ConfigSource::static_broker;
        }
        out.push_back(std::move(e));
    }
    return out;
}

Status validate_broker_default(const std::string& broker_key, const std::string& value) {
    for (const auto& d : defs()) {
        if (d.broker_key && broker_key == d.broker_key) {
            auto checked = check(d, value);
            if (!checked.ok()) {
                return Error(Errc::invalid_config, "invalid value '" + value + "' for " +
                                                       broker_key + " (topic config " + d.name +
                                                       ")");
            }
            return {};
        }
    }
    return Error(Errc::invalid_config, "unknown broker config " + broker_key);
}

std::vector<ConfigEntry> describe_broker_defaults(const BrokerDefaults& defaults) {
    std::vector<ConfigEntry> out;
    for (const auto& d : defs()) {
        if (!d.broker_key) continue;
        ConfigEntry e;
        e.name = d.broker_key;
        auto it = defaults.find(d.broker_key);
        e.value = it != defaults.end() ? it->second : d.fallback;
        e.source =
            it != defaults.end() ? ConfigSource::static_broker : ConfigSource::default_config;
        e.read_only = true;
        e.type = type_name(d.kind);
        e.documentation = d.doc;
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(),
              [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
    return out;
}

}  // namespace es::broker
