#pragma once

// A small writer of flat JSON objects for the Nexmark events and query outputs: appends
// straight to the record's buffer, where building a nlohmann::json per record would cost more
// than the query itself (q0-q2 are a decode and an encode per bid).

#include <cstdint>
#include <string>
#include <string_view>

namespace es::stream::nexmark {

class JsonWriter {
  public:
    /// Starts an object at the end of `out`.
    explicit JsonWriter(std::string& out) : out_(out) { out_.push_back('{'); }
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    JsonWriter& str(std::string_view name, std::string_view value);
    JsonWriter& i64(std::string_view name, int64_t value);
    /// The shortest text that reads back as the same double (std::to_chars).
    JsonWriter& f64(std::string_view name, double value);
    JsonWriter& null(std::string_view name);
    /// Closes the object.
    void end() { out_.push_back('}'); }

  private:
    void name(std::string_view name);

    std::string& out_;
    bool first_ = true;
};

/// Appends `s` as a JSON string (quoted, with '"', '\\' and control characters escaped).
void append_json_string(std::string& out, std::string_view s);

}  // namespace es::stream::nexmark
