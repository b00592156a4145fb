// Runs every tests/data/registry/{avro,json,protobuf}/*.test file: each holds cases of previous
// schemas, a new schema, a level and the expected verdict (or parse error, or canonical form). The
// directory says the schema type. One gtest per file; every case prints one line saying what it
// checked. Format: tests/data/registry/README.md.

#include "registry/compat/avro.h"
#include "registry/compat/compat.h"
#include "registry/compat/json_schema.h"
#include "registry/compat/protobuf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace es::registry::compat {
namespace {

namespace fs = std::filesystem;

struct Expectation {
    std::string kind;  // compatible | incompatible | invalid | canonical | normalized | note
    std::string argument;
    std::vector<std::string> lines;
};

struct Case {
    std::string name;
    int line = 0;
    std::string level;
    std::vector<std::string> previous;
    std::vector<std::pair<std::string, std::string>> references;
    std::string new_schema;
    std::vector<Expectation> expectations;
};

std::string trim(const std::string& s) {
    auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string::npos) return "";
    auto end = s.find_last_not_of(" \t\r");
    return s.substr(begin, end - begin + 1);
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<Case> read_cases(const fs::path& file) {
    std::ifstream in(file);
    std::vector<Case> cases;
    std::string* body = nullptr;         // the schema section being read
    Expectation* expectation = nullptr;  // the expectation section being read
    int number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.rfind('#', 0) == 0) continue;
        if (line.rfind("===", 0) == 0) {
            cases.push_back({});
            cases.back().name = trim(line.substr(3));
            cases.back().line = number;
            body = nullptr;
            expectation = nullptr;
            continue;
        }
        if (line.rfind("---", 0) == 0) {
            if (cases.empty()) throw std::runtime_error("section before the first === line");
            Case& c = cases.back();
            auto w = words(line.substr(3));
            if (w.empty())
                throw std::runtime_error("empty section header, line " + std::to_string(number));
            body = nullptr;
            expectation = nullptr;
            if (w[0] == "level") {
                c.level = w.at(1);
            } else if (w[0] == "previous") {
                c.previous.emplace_back();
                body = &c.previous.back();
            } else if (w[0] == "reference") {
                c.references.emplace_back(w.at(1), "");
                body = &c.references.back().second;
            } else if (w[0] == "new") {
                body = &c.new_schema;
            } else if (w[0] == "expect") {
                Expectation e;
                e.kind = w.at(1);
                auto pos = line.find(e.kind, line.find("expect")) + e.kind.size();
                e.argument = trim(line.substr(pos));
                c.expectations.push_back(std::move(e));
                expectation = &c.expectations.back();
            } else {
                throw std::runtime_error("unknown section '" + w[0] + "', line " +
                                         std::to_string(number));
            }
            continue;
        }
        if (body != nullptr) {
            body->append(line).push_back('\n');
        } else if (expectation != nullptr && !trim(line).empty()) {
            expectation->lines.push_back(trim(line));
        } else if (!trim(line).empty()) {
            throw std::runtime_error("text outside a section, line " + std::to_string(number));
        }
    }
    return cases;
}

/// "RULE PATH [vN] [backward|forward]" against one issue.
bool matches(const std::string& expected, const CompatibilityIssue& issue) {
    auto w = words(expected);
    if (w.size() < 2) return false;
    const auto& inc = issue.incompatibility;
    if (w[0] != inc.rule || w[1] != inc.path) return false;
    for (std::size_t i = 2; i < w.size(); ++i) {
        if (w[i] == "backward" && !issue.new_is_reader) return false;
        if (w[i] == "forward" && issue.new_is_reader) return false;
        if (w[i][0] == 'v' && w[i].substr(1) != std::to_string(issue.previous_index + 1)) {
            return false;
        }
    }
    return true;
}

/// What the runner needs of one schema type.
struct AvroTraits {
    using Schema = AvroSchema;
    using References = AvroReferences;
    static constexpr const char* kDir = "avro";
    static Result<Schema> parse(const std::string& text, const References& refs) {
        return parse_avro(text, refs);
    }
    static Status add_reference(References& refs, const std::string& name,
                                const std::string& text) {
        ES_TRY(auto ref, parse_avro(text, refs));
        refs.emplace(name, std::move(ref));
        return ok_status();
    }
    static std::vector<Incompatibility> can_read(const Schema& reader, const Schema& writer) {
        return avro_can_read(reader, writer);
    }
    static std::optional<std::string> form(const std::string& kind, const Schema& schema) {
        if (kind == "canonical") return canonical_form(schema);
        if (kind == "normalized") return normalized_form(schema);
        return std::nullopt;
    }
};

struct JsonSchemaTraits {
    using Schema = JsonSchema;
    using References = JsonSchemaReferences;
    static constexpr const char* kDir = "json";
    static Result<Schema> parse(const std::string& text, const References& refs) {
        return parse_json_schema(text, refs);
    }
    static Status add_reference(References& refs, const std::string& name,
                                const std::string& text) {
        ES_TRY(auto ref, parse_json_schema(text, refs));
        refs.emplace(name, std::move(ref));
        return ok_status();
    }
    static std::vector<Incompatibility> can_read(const Schema& reader, const Schema& writer) {
        return json_schema_can_read(reader, writer);
    }
    static std::optional<std::string> form(const std::string& kind, const Schema& schema) {
        if (kind == "canonical") return canonical_form(schema);
        return std::nullopt;
    }
};

/// Protobuf references stay .proto text keyed by import path; each is parsed once here so a
/// broken reference fails where it is written.
struct ProtobufTraits {
    using Schema = ProtobufSchema;
    using References = ProtobufReferences;
    static constexpr const char* kDir = "protobuf";
    static Result<Schema> parse(const std::string& text, const References& refs) {
        return parse_protobuf(text, refs);
    }
    static Status add_reference(References& refs, const std::string& name,
                                const std::string& text) {
        ES_TRY(auto ref, parse_protobuf(text, refs));
        (void)ref;
        refs.emplace(name, text);
        return ok_status();
    }
    static std::vector<Incompatibility> can_read(const Schema& reader, const Schema& writer) {
        return protobuf_can_read(reader, writer);
    }
    static std::optional<std::string> form(const std::string& kind, const Schema& schema) {
        if (kind == "canonical") return canonical_form(schema);
        return std::nullopt;
    }
};

template <class Traits>
std::string run_case(const Case& c) {
    using Schema = typename Traits::Schema;
    std::string what;
    typename Traits::References references;
    for (const auto& [name, text] : c.references) {
        auto added = Traits::add_reference(references, name, text);
        EXPECT_TRUE(added.ok()) << "reference " << name << ": " << added.error().to_string();
        if (!added.ok()) return "reference did not parse";
    }
    auto parsed = Traits::parse(c.new_schema, references);
    for (const Expectation& e : c.expectations) {
        if (e.kind == "invalid") {
            EXPECT_FALSE(parsed.ok()) << "expected an invalid schema";
            if (parsed.ok()) continue;
            std::string text = parsed.error().to_string();
            EXPECT_NE(text.find(e.argument), std::string::npos)
                << "error '" << text << "' lacks '" << e.argument << "'";
            what += " invalid(" + e.argument + ")";
            continue;
        }
        EXPECT_TRUE(parsed.ok()) << "new schema: " << parsed.error().to_string();
        if (!parsed.ok()) return "new schema did not parse";
        if (auto form = Traits::form(e.kind, *parsed)) {
            // Compared line by line, each line trimmed (a Protobuf form spans several lines;
            // Avro's and JSON Schema's are one line).
            std::vector<std::string> form_lines;
            std::istringstream form_in(*form);
            for (std::string l; std::getline(form_in, l);) {
                if (!trim(l).empty()) form_lines.push_back(trim(l));
            }
            EXPECT_EQ(form_lines, e.lines) << "form:\n" << *form;
            what += " " + e.kind;
        } else if (e.kind == "note") {
            const auto& notes = parsed->notes();
            bool found = std::any_of(notes.begin(), notes.end(), [&](const std::string& n) {
                return n.find(e.argument) != std::string::npos;
            });
            EXPECT_TRUE(found) << "no note contains '" << e.argument << "'";
            what += " note(" + e.argument + ")";
        } else if (e.kind == "compatible" || e.kind == "incompatible") {
            auto level = parse_compatibility_level(c.level);
            EXPECT_TRUE(level.ok()) << "--- level: " << c.level;
            if (!level.ok()) return "bad level";
            std::vector<Schema> previous;
            for (std::size_t i = 0; i < c.previous.size(); ++i) {
                auto p = Traits::parse(c.previous[i], references);
                EXPECT_TRUE(p.ok()) << "previous " << i + 1 << ": " << p.error().to_string();
                if (!p.ok()) return "previous schema did not parse";
                previous.push_back(std::move(p).value());
            }
            auto result = check_compatibility(*level, *parsed, previous, Traits::can_read);
            std::string actual;
            for (const auto& issue : result.issues) {
                actual += "  " + to_string(issue, previous.size()) + "\n";
            }
            std::vector<bool> used(result.issues.size(), false);
            for (const auto& expected : e.lines) {
                bool found = false;
                for (std::size_t i = 0; i < result.issues.size() && !found; ++i) {
                    if (!used[i] && matches(expected, result.issues[i])) used[i] = found = true;
                }
                EXPECT_TRUE(found) << "expected issue '" << expected << "' not reported; got:\n"
                                   << actual;
            }
            bool extra = std::find(used.begin(), used.end(), false) != used.end();
            EXPECT_FALSE(extra) << "more issues than expected:\n" << actual;
            if (e.kind == "compatible") {
                EXPECT_TRUE(result.compatible()) << actual;
            } else {
                EXPECT_FALSE(result.compatible());
            }
            what += " " + std::string(to_string(*level)) + " vs " +
                    std::to_string(previous.size()) + " previous -> " +
                    (result.compatible() ? "compatible"
                                         : std::to_string(result.issues.size()) + " issue(s)");
            for (const auto& issue : result.issues) {
                what += " [" + issue.incompatibility.rule + " " + issue.incompatibility.path +
                        " v" + std::to_string(issue.previous_index + 1) +
                        (issue.new_is_reader ? " backward]" : " forward]");
            }
        } else {
            ADD_FAILURE() << "unknown expectation '" << e.kind << "'";
        }
    }
    return what;
}

std::vector<std::string> test_files(const char* dir) {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(fs::path(ES_REGISTRY_TEST_DATA) / dir)) {
        if (entry.path().extension() == ".test") out.push_back(entry.path().stem().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

template <class Traits>
void run_file(const std::string& name) {
    fs::path file = fs::path(ES_REGISTRY_TEST_DATA) / Traits::kDir / (name + ".test");
    auto cases = read_cases(file);
    ASSERT_FALSE(cases.empty()) << file;
    for (const Case& c : cases) {
        SCOPED_TRACE(file.filename().string() + ":" + std::to_string(c.line) + " " + c.name);
        ASSERT_FALSE(c.expectations.empty()) << "case without --- expect";
        std::string what = run_case<Traits>(c);
        std::cout << "[" << Traits::kDir << "/" << file.filename().string() << ":" << c.line << "] "
                  << c.name << ":" << what << "\n";
    }
}

std::size_t count_cases(const char* dir) {
    std::size_t total = 0;
    for (const auto& name : test_files(dir)) {
        total += read_cases(fs::path(ES_REGISTRY_TEST_DATA) / dir / (name + ".test")).size();
    }
    return total;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& param) {
    std::string name = param.param;
    std::replace_if(
        name.begin(), name.end(),
        [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
    return name;
}

class AvroData : public ::testing::TestWithParam<std::string> {};

TEST_P(AvroData, Cases) { run_file<AvroTraits>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Files, AvroData, ::testing::ValuesIn(test_files("avro")), case_name);

/// Guards against a silently empty suite: the data set must keep its breadth.
TEST(AvroData, HasEnoughCases) {
    std::size_t total = count_cases("avro");
    std::cout << total << " Avro cases\n";
    EXPECT_GE(total, 60u);
}

class JsonSchemaData : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonSchemaData, Cases) { run_file<JsonSchemaTraits>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Files, JsonSchemaData, ::testing::ValuesIn(test_files("json")), case_name);

TEST(JsonSchemaData, HasEnoughCases) {
    std::size_t total = count_cases("json");
    std::cout << total << " JSON Schema cases\n";
    EXPECT_GE(total, 60u);
}

class ProtobufData : public ::testing::TestWithParam<std::string> {};

TEST_P(ProtobufData, Cases) { run_file<ProtobufTraits>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Files, ProtobufData, ::testing::ValuesIn(test_files("protobuf")),
                         case_name);

TEST(ProtobufData, HasEnoughCases) {
    std::size_t total = count_cases("protobuf");
    std::cout << total << " Protobuf cases\n";
    EXPECT_GE(total, 50u);
}

}  // namespace
}  // namespace es::registry::compat
