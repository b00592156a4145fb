#include "registry/compat/compat.h"

#include "registry/compat/errc.h"

#include <array>
#include <utility>

namespace es::registry::compat {
namespace {

constexpr std::array<std::pair<CompatibilityLevel, std::string_view>, 7> kLevelNames{{
    {CompatibilityLevel::none, "NONE"},
    {CompatibilityLevel::backward, "BACKWARD"},
    {CompatibilityLevel::backward_transitive, "BACKWARD_TRANSITIVE"},
    {CompatibilityLevel::forward, "FORWARD"},
    {CompatibilityLevel::forward_transitive, "FORWARD_TRANSITIVE"},
    {CompatibilityLevel::full, "FULL"},
    {CompatibilityLevel::full_transitive, "FULL_TRANSITIVE"},
}};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

}  // namespace

std::string_view to_string(CompatibilityLevel level) {
    for (const auto& [value, name] : kLevelNames) {
        if (value == level) return name;
    }
    return "UNKNOWN";
}

Result<CompatibilityLevel> parse_compatibility_level(std::string_view text) {
    for (const auto& [value, name] : kLevelNames) {
        if (equals_ignoring_case(text, name)) return value;
    }
    std::string message = "unknown compatibility level '";
    message.append(text.substr(0, 64)).append("'; expected one of");
    for (const auto& entry : kLevelNames) message.append(" ").append(entry.second);
    return Error(Errc::invalid_level, std::move(message));
}

std::string to_string(const CompatibilityIssue& issue, std::size_t previous_count) {
    std::string version = "previous version " + std::to_string(issue.previous_index + 1) + " of " +
                          std::to_string(previous_count);
    std::string out =
        issue.new_is_reader
            ? "new schema (reader) cannot read data written with " + version + " (writer)"
            : version + " (reader) cannot read data written with " + "the new schema (writer)";
    const Incompatibility& inc = issue.incompatibility;
    out.append(": ").append(inc.path).append(": ").append(inc.rule).append(": ").append(
        inc.message);
    return out;
}

CompatibilityResult check_compatibility(CompatibilityLevel level, std::size_t previous_count,
                                        const PairwiseCheck& can_read) {
    CompatibilityResult result;
    if (previous_count == 0 || level == CompatibilityLevel::none) return result;

    bool backward = false;
    bool forward = false;
    bool transitive = false;
    switch (level) {
        case CompatibilityLevel::none:
            return result;
        case CompatibilityLevel::backward:
            backward = true;
            break;
        case CompatibilityLevel::backward_transitive:
            backward = transitive = true;
            break;
        case CompatibilityLevel::forward:
            forward = true;
            break;
        case CompatibilityLevel::forward_transitive:
            forward = transitive = true;
            break;
        case CompatibilityLevel::full:
            backward = forward = true;
            break;
        case CompatibilityLevel::full_transitive:
            backward = forward = transitive = true;
            break;
    }

    std::size_t first = transitive ? 0 : previous_count - 1;
    for (std::size_t i = first; i < previous_count; ++i) {
        for (bool reader_is_new : {true, false}) {
            if (reader_is_new ? !backward : !forward) continue;
            for (auto& inc : can_read(reader_is_new, i)) {
                result.issues.push_back({i, reader_is_new, std::move(inc)});
            }
        }
    }
    return result;
}

}  // namespace es::registry::compat
