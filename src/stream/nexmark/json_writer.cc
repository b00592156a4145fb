#include "stream/nexmark/json_writer.h"

#include <charconv>
#include <cmath>

namespace es::stream::nexmark {

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    size_t plain = 0;  // start of the run of characters that need no escape
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\t':
                out.append("\\t");
                break;
            case '\r':
                out.append("\\r");
                break;
            default:
                out.append("\\u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out.push_back('"');
}

void JsonWriter::name(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(name);  // names are ours: nothing to escape
    out_.append("\":");
}

JsonWriter& JsonWriter::str(std::string_view n, std::string_view value) {
    name(n);
    append_json_string(out_, value);
    return *this;
}

JsonWriter& JsonWriter::i64(std::string_view n, int64_t value) {
    name(n);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::f64(std::string_view n, double value) {
    if (!std::isfinite(value)) return null(n);  // JSON has no NaN or infinity
    name(n);
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
    out_.append(text);
    // A whole number stays a JSON number with a fraction, so readers keep its type.
    if (text.find_first_of(".e") == std::string_view::npos) out_.append(".0");
    return *this;
}

JsonWriter& JsonWriter::null(std::string_view n) {
    name(n);
    out_.append("null");
    return *this;
}

}  // namespace es::stream::nexmark
