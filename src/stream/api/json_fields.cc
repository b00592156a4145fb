#include "stream/api/json_fields.h"

#include "stream/api/errc.h"

#include <fmt/core.h>
#include <simdjson.h>

#include <bitset>

namespace es::stream {

namespace {

constexpr size_t kMaxFields = 64;

/// Per thread: a parser keeps its buffers between records and is not thread-safe. The DOM
/// parser runs the kernel the library picked for this CPU at run time (AVX2, AVX-512, ...); the
/// header-only on-demand API would be compiled for the baseline x86-64 instead.
simdjson::dom::parser& thread_parser() {
    thread_local simdjson::dom::parser p;
    return p;
}

Error bad(const char* type, std::string_view what) {
    return Error(Errc::bad_record, fmt::format("{}: {}", type, what));
}

}  // namespace

Status read_json_object(std::string_view in, std::span<const JsonField> fields, const char* type) {
    if (fields.size() > kMaxFields) return bad(type, "too many fields to read");
    simdjson::dom::element doc;
    if (thread_parser().parse(in.data(), in.size()).get(doc)) return bad(type, "not valid JSON");
    simdjson::dom::object object;
    if (doc.get_object().get(object)) return bad(type, "not a JSON object");
    std::bitset<kMaxFields> seen;
    for (auto [key, value] : object) {
        size_t i = 0;
        while (i < fields.size() && fields[i].name != key) ++i;
        if (i == fields.size()) continue;
        const JsonField& f = fields[i];
        simdjson::error_code error = simdjson::SUCCESS;
        if (auto* s = std::get_if<std::string*>(&f.target)) {
            std::string_view v;
            error = value.get_string().get(v);
            if (!error) (*s)->assign(v);
        } else if (auto* n = std::get_if<int64_t*>(&f.target)) {
            error = value.get_int64().get(**n);
        } else if (auto* d = std::get_if<double*>(&f.target)) {
            error = value.get_double().get(**d);
        }
        if (error) {
            const char* want = std::holds_alternative<std::string*>(f.target) ? "a string"
                               : std::holds_alternative<int64_t*>(f.target)   ? "an integer"
                                                                              : "a number";
            return bad(type, fmt::format("field '{}' is not {}", f.name, want));
        }
        seen.set(i);
    }
    for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].required && !seen.test(i)) {
            return bad(type, fmt::format("missing field '{}'", fields[i].name));
        }
    }
    return ok_status();
}

}  // namespace es::stream
