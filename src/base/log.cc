#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>

namespace es::log {
namespace {

Level initial_level() {
    Level l = Level::info;
    if (const char* env = std::getenv("ES_LOG_LEVEL")) parse_level(env, l);
    return l;
}

std::atomic<Level>& threshold() {
    static std::atomic<Level> value{initial_level()};
    return value;
}

spdlog::logger& sink() {
    // stderr, so that commands whose stdout is data (consume, bench --json) stay clean.
    static std::shared_ptr<spdlog::logger> logger = [] {
        auto l = spdlog::stderr_color_mt("edgestream");
        l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
        l->set_level(spdlog::level::trace);
        return l;
    }();
    return *logger;
}

spdlog::level::level_enum to_spdlog(Level l) {
    switch (l) {
        case Level::trace:
            return spdlog::level::trace;
        case Level::debug:
            return spdlog::level::debug;
        case Level::info:
            return spdlog::level::info;
        case Level::warn:
            return spdlog::level::warn;
        case Level::error:
            return spdlog::level::err;
        case Level::off:
            return spdlog::level::off;
    }
    return spdlog::level::info;
}

}  // namespace

void set_level(Level l) { threshold().store(l, std::memory_order_relaxed); }
Level level() { return threshold().load(std::memory_order_relaxed); }

bool parse_level(std::string_view name, Level& out) {
    static constexpr std::pair<std::string_view, Level> kNames[] = {
        {"trace", Level::trace}, {"debug", Level::debug}, {"info", Level::info},
        {"warn", Level::warn},   {"error", Level::error}, {"off", Level::off}};
    for (const auto& [n, l] : kNames) {
        if (n == name) {
            out = l;
            return true;
        }
    }
    return false;
}

void write(std::string_view module, Level l, std::string_view message) {
    sink().log(to_spdlog(l), "[{}] {}", module, message);
}

}  // namespace es::log
