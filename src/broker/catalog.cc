#include "broker/catalog.h"

#include "broker/errc.h"
#include "broker/logger.h"

#include <charconv>
#include <random>

namespace es::broker {
namespace {

constexpr size_t kMaxTopicName = 249;

std::string hex(const TopicId& id) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : id) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::optional<TopicId> parse_hex(std::string_view s) {
    if (s.size() != 32) return std::nullopt;
    TopicId id{};
    for (size_t i = 0; i < 16; ++i) {
        uint8_t byte = 0;
        auto [end, ec] = std::from_chars(s.data() + 2 * i, s.data() + 2 * i + 2, byte, 16);
        if (ec != std::errc() || end != s.data() + 2 * i + 2) return std::nullopt;
        id[i] = byte;
    }
    return id;
}

TopicId random_id() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    TopicId id{};
    for (size_t i = 0; i < 16; i += 8) {
        uint64_t v = rng();
        for (size_t j = 0; j < 8; ++j) id[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
    return id;
}

/// "a.b" and "a_b" name the same metric in Kafka, so Kafka refuses to have both.
std::string collision_key(std::string name) {
    for (char& c : name) {
        if (c == '.') c = '_';
    }
    return name;
}

}  // namespace

Status validate_topic_name(const std::string& name) {
    if (name.empty()) return Error(Errc::invalid_topic, "topic name is empty");
    if (name == "." || name == "..")
        return Error(Errc::invalid_topic, "topic name cannot be '" + name + "'");
    if (name.size() > kMaxTopicName) {
        return Error(Errc::invalid_topic, "topic name is longer than 249 characters");
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            return Error(Errc::invalid_topic,
                         "topic name '" + name + "' has characters other than [a-zA-Z0-9._-]");
        }
    }
    return {};
}

Catalog::Catalog(storage::FileSystem& fs, std::string data_dir, BrokerDefaults defaults)
    : fs_(fs), data_dir_(std::move(data_dir)), defaults_(std::move(defaults)) {}

std::string Catalog::topic_file(const std::string& name) const {
    return data_dir_ + "/meta/topics/" + name;
}

Status Catalog::load() {
    std::string dir = data_dir_ + "/meta/topics";
    ES_CHECK(fs_.create_directories(dir));
    ES_TRY(std::vector<std::string> names, fs_.list(dir));
    std::lock_guard lock(mu_);
    for (const auto& name : names) {
        if (name.ends_with(".tmp")) {
            ES_CHECK(fs_.remove(dir + "/" + name));
            continue;
        }
        auto content = fs_.read_whole(dir + "/" + name);
        if (!content.ok()) {
            broker_log.error("topic {}: cannot read {}: {}", name, dir,
                             content.error().to_string());
            continue;
        }
        auto info = parse(name, *content);
        if (!info.ok()) {
            broker_log.error("topic {}: skipping damaged topic file: {}", name,
                             info.error().to_string());
            continue;
        }
        topics_[name] = std::move(info).value();
    }
    return {};
}

Result<TopicInfo> Catalog::parse(const std::string& name, BytesView content) const {
    ES_CHECK(validate_topic_name(name));
    TopicInfo info;
    info.name = name;
    info.internal = name.starts_with("__");
    std::map<std::string, std::string> configs;
    bool have_id = false;
    std::string_view text = as_string_view(content);
    while (!text.empty()) {
        size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        if (line.empty()) continue;
        size_t space = line.find(' ');
        if (space == std::string_view::npos) {
            return Error(Errc::invalid_config, "line without a value: " + std::string(line));
        }
        std::string_view key = line.substr(0, space);
        std::string_view value = line.substr(space + 1);
        if (key == "id") {
            auto id = parse_hex(value);
            if (!id) return Error(Errc::invalid_config, "bad topic id");
            info.id = *id;
            have_id = true;
        } else if (key == "partitions") {
            auto [end, ec] =
                std::from_chars(value.data(), value.data() + value.size(), info.partitions);
            if (ec != std::errc() || info.partitions <= 0 || info.partitions > 100000) {
                return Error(Errc::invalid_config, "bad partition count");
            }
        } else if (key == "config") {
            size_t eq = value.find('=');
            if (eq == std::string_view::npos) return Error(Errc::invalid_config, "bad config line");
            configs[std::string(value.substr(0, eq))] = std::string(value.substr(eq + 1));
        } else {
            return Error(Errc::invalid_config, "unknown key " + std::string(key));
        }
    }
    if (!have_id || info.partitions <= 0) {
        return Error(Errc::invalid_config, "topic file lacks id or partitions");
    }
    ES_TRY(info.config, TopicConfig::make(defaults_, std::move(configs)));
    return info;
}

Status Catalog::persist(const TopicInfo& info) {
    std::string text =
        "id " + hex(info.id) + "\npartitions " + std::to_string(info.partitions) + "\n";
    for (const auto& [k, v] : info.config.overrides()) text += "config " + k + "=" + v + "\n";
    return fs_.write_atomically(topic_file(info.name), as_bytes(text));
}

std::optional<TopicInfo> Catalog::find(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return std::nullopt;
    return it->second;
}

std::optional<TopicInfo> Catalog::find(const TopicId& id) const {
    std::lock_guard lock(mu_);
    for (const auto& [name, info] : topics_) {
        if (info.id == id) return info;
    }
    return std::nullopt;
}

std::vector<TopicInfo> Catalog::list() const {
    std::lock_guard lock(mu_);
    std::vector<TopicInfo> out;
    out.reserve(topics_.size());
    for (const auto& [name, info] : topics_) out.push_back(info);
    return out;
}

Result<TopicInfo> Catalog::create(const std::string& name, int32_t partitions,
                                  std::map<std::string, std::string> configs, bool validate_only) {
    ES_CHECK(validate_topic_name(name));
    if (partitions <= 0 || partitions > 100000) {
        return Error(Errc::invalid_partitions, "number of partitions must be in [1, 100000], got " +
                                                   std::to_string(partitions));
    }
    TopicInfo info;
    info.name = name;
    info.partitions = partitions;
    info.internal = name.starts_with("__");
    ES_TRY(info.config, TopicConfig::make(defaults_, std::move(configs)));
    std::lock_guard lock(mu_);
    if (topics_.count(name)) {
        return Error(Errc::topic_already_exists, "topic '" + name + "' already exists");
    }
    for (const auto& [other, existing] : topics_) {
        if (collision_key(other) == collision_key(name)) {
            return Error(Errc::invalid_topic,
                         "topic '" + name + "' collides with existing topic '" + other + "'");
        }
    }
    if (validate_only) return info;
    info.id = random_id();
    ES_CHECK(persist(info));
    topics_[name] = info;
    return info;
}

Status Catalog::remove(const std::string& name) {
    std::lock_guard lock(mu_);
    if (!topics_.count(name)) {
        return Error(Errc::unknown_topic_or_partition, "topic '" + name + "' does not exist");
    }
    ES_CHECK(fs_.remove(topic_file(name)));
    ES_CHECK(fs_.sync_directory(data_dir_ + "/meta/topics"));
    topics_.erase(name);
    return {};
}

Result<TopicInfo> Catalog::set_partitions(const std::string& name, int32_t partitions) {
    std::lock_guard lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) {
        return Error(Errc::unknown_topic_or_partition, "topic '" + name + "' does not exist");
    }
    if (partitions <= it->second.partitions) {
        return Error(Errc::invalid_partitions, "topic '" + name + "' has " +
                                                   std::to_string(it->second.partitions) +
                                                   " partitions; the count can only grow");
    }
    if (partitions > 100000) return Error(Errc::invalid_partitions, "at most 100000 partitions");
    TopicInfo updated = it->second;
    updated.partitions = partitions;
    ES_CHECK(persist(updated));
    it->second = updated;
    return updated;
}

Result<TopicInfo> Catalog::set_configs(const std::string& name,
                                       std::map<std::string, std::string> configs) {
    ES_TRY(TopicConfig config, TopicConfig::make(defaults_, std::move(configs)));
    std::lock_guard lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) {
        return Error(Errc::unknown_topic_or_partition, "topic '" + name + "' does not exist");
    }
    TopicInfo updated = it->second;
    updated.config = std::move(config);
    ES_CHECK(persist(updated));
    it->second = updated;
    return updated;
}

}  // namespace es::broker
