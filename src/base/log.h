#pragma once

#include <fmt/core.h>

#include <string_view>
#include <utility>

namespace es::log {

enum class Level { trace = 0, debug, info, warn, error, off };

/// The process-wide threshold; starts from ES_LOG_LEVEL (trace|debug|info|warn|error|off),
/// default info.
void set_level(Level level);
Level level();
/// Parses a level name; returns false and leaves `out` alone for an unknown name.
bool parse_level(std::string_view name, Level& out);

void write(std::string_view module, Level level, std::string_view message);

/// One logger per module (`inline const log::Logger storage_log{"storage"};`), so every line
/// says where it came from. Formatting happens only when the level is enabled.
class Logger {
  public:
    constexpr explicit Logger(std::string_view module) : module_(module) {}

    bool enabled(Level l) const { return l >= level(); }

    template <class... Args>
    void trace(fmt::format_string<Args...> f, Args&&... args) const {
        emit(Level::trace, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) const {
        emit(Level::debug, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) const {
        emit(Level::info, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args) const {
        emit(Level::warn, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) const {
        emit(Level::error, f, std::forward<Args>(args)...);
    }

  private:
    template <class... Args>
    void emit(Level l, fmt::format_string<Args...> f, Args&&... args) const {
        if (enabled(l)) write(module_, l, fmt::vformat(f, fmt::make_format_args(args...)));
    }

    std::string_view module_;
};

}  // namespace es::log
