#pragma once

// The dashboard's web page, compiled into the binary so the page works offline and from any
// working directory. The table is generated at build time by tools/embed_assets.py from
// web/ (see CMakeLists.txt); a file missing at build time is a placeholder saying so.

#include <span>
#include <string_view>

namespace es::dashboard {

struct Asset {
    std::string_view path;  // where it is served: "/" or "/assets/<basename>"
    std::string_view content_type;
    std::string_view body;
};

/// Every embedded asset.
std::span<const Asset> assets();
/// The asset served at `path`, or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace es::dashboard
