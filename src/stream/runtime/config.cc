#include "stream/runtime/config.h"

#include "stream/api/errc.h"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace es::stream::runtime {
namespace {

Error bad(const std::string& origin, const std::string& what) {
    return Error(Errc::invalid_config, fmt::format("{}: {}", origin, what));
}

Result<int64_t> to_int(const std::string& origin, const std::string& key, const std::string& text,
                       int64_t min, int64_t max) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
        return bad(origin,
                   fmt::format("{}: '{}' is not an integer in [{}, {}]", key, text, min, max));
    }
    return v;
}

Status apply(JobFile& job, const std::string& origin, const std::string& key,
             const YAML::Node& value) {
    RuntimeConfig& rt = job.runtime;
    if (key == "params" || key == "client") {
        if (!value.IsMap()) return bad(origin, key + ": expected a mapping");
        for (const auto& entry : value) {
            if (!entry.second.IsScalar()) {
                return bad(origin, fmt::format("{}.{}: expected a value", key,
                                               entry.first.as<std::string>()));
            }
            std::string name = entry.first.as<std::string>();
            std::string v = entry.second.as<std::string>();
            if (key == "params") {
                job.params.set(name, v);
            } else {
                rt.cluster.properties[name] = v;
            }
        }
        return ok_status();
    }
    if (!value.IsScalar()) return bad(origin, key + ": expected a value");
    std::string text = value.as<std::string>();
    if (key == "application.id") {
        rt.application_id = text;
    } else if (key == "bootstrap.servers") {
        rt.cluster.brokers = text;
    } else if (key == "processing.guarantee") {
        if (text == "exactly_once" || text == "exactly_once_v2") {
            rt.guarantee = Guarantee::exactly_once;
        } else if (text == "at_least_once") {
            rt.guarantee = Guarantee::at_least_once;
        } else {
            return bad(origin, "processing.guarantee: expected exactly_once or at_least_once");
        }
    } else if (key == "commit.interval.ms") {
        ES_TRY(int64_t v, to_int(origin, key, text, 1, 3'600'000));
        rt.commit_interval = std::chrono::milliseconds(v);
    } else if (key == "num.stream.threads") {
        ES_TRY(int64_t v, to_int(origin, key, text, 1, 64));
        rt.threads = static_cast<int>(v);
    } else if (key == "state.dir") {
        rt.state_dir = text;
    } else if (key == "instance.id") {
        rt.instance_id = text;
    } else if (key == "dead.letter.topic") {
        rt.dead_letter_topic = text;
    } else if (key == "repartition.partitions") {
        ES_TRY(int64_t v, to_int(origin, key, text, 0, 100'000));
        rt.repartition_partitions = static_cast<int32_t>(v);
    } else if (key == "replication.factor") {
        ES_TRY(int64_t v, to_int(origin, key, text, -1, 32));
        rt.replication_factor = static_cast<int16_t>(v);
    } else if (key == "transaction.timeout.ms") {
        ES_TRY(int64_t v, to_int(origin, key, text, 1000, 900'000));
        rt.transaction_timeout = std::chrono::milliseconds(v);
    } else {
        return bad(origin, fmt::format("unknown key '{}'", key));
    }
    return ok_status();
}

}  // namespace

Result<JobFile> parse_job_file(const std::string& text, JobFile job, const std::string& origin) {
    // yaml-cpp reports errors by throwing; they end here as typed errors.
    try {
        YAML::Node root = YAML::Load(text);
        if (root.IsNull()) return job;
        if (!root.IsMap()) return bad(origin, "expected a mapping at the top level");
        for (const auto& item : root)
            ES_CHECK(apply(job, origin, item.first.as<std::string>(), item.second));
    } catch (const YAML::Exception& e) {
        return bad(origin, std::string("not valid YAML: ") + e.what());
    }
    return job;
}

Result<JobFile> load_job_file(const std::filesystem::path& path, JobFile base) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return Error(Errc::invalid_config, "job file " + path.string() + " is not a readable file");
    }
    std::ifstream in(path);
    if (!in) return Error(Errc::invalid_config, "cannot read job file " + path.string());
    std::stringstream text;
    text << in.rdbuf();
    return parse_job_file(text.str(), std::move(base), path.string());
}

}  // namespace es::stream::runtime
