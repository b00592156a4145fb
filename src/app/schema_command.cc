// `edgestream schema check`: is a new schema compatible with the previous ones? For CI: exit 0
// when compatible, 1 when not (with the reasons), 2 for a usage error, a schema that does not
// parse, or a registry that cannot answer. The previous versions come from files (oldest first)
// or from a schema registry's subject (Confluent's REST API: edgestream's or Confluent's).

#include "app/cli_support.h"
#include "app/commands.h"
#include "registry/compat/schema.h"
#include "registry/serdes/registry_client.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace es::app {
namespace {

namespace compat = registry::compat;
namespace fs = std::filesystem;

constexpr std::string_view kCommand = "schema check";
constexpr size_t kMaxSchemaBytes = 16u << 20;

struct CheckOptions {
    std::string new_file;
    std::vector<std::string> previous_files;
    std::string type;
    std::string level = "BACKWARD";
    std::vector<std::string> refs;  // NAME=FILE
    std::string registry;
    std::string subject;
    bool json = false;
};

std::string read_file(const std::string& path) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) fail(kUsage, kCommand, fmt::format("cannot read {}: {}", path, ec.message()));
    if (size > kMaxSchemaBytes) {
        fail(kUsage, kCommand,
             fmt::format("{} is {} bytes; schemas are at most {}", path, size, kMaxSchemaBytes));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) fail(kUsage, kCommand, "cannot read " + path);
    return text.str();
}

/// --type, else the extension of the new schema's file.
compat::SchemaType schema_type(const CheckOptions& o) {
    if (!o.type.empty()) {
        auto t = compat::parse_schema_type(o.type);
        if (!t.ok()) fail(kUsage, kCommand, t.error().message());
        return *t;
    }
    std::string ext = fs::path(o.new_file).extension().string();
    if (ext == ".avsc" || ext == ".avro") return compat::SchemaType::avro;
    if (ext == ".json") return compat::SchemaType::json;
    if (ext == ".proto") return compat::SchemaType::protobuf;
    fail(kUsage, kCommand,
         "cannot tell the schema type from '" + o.new_file + "': give --type avro|json|protobuf");
}

std::vector<compat::SchemaReference> references(const CheckOptions& o) {
    std::vector<compat::SchemaReference> out;
    for (const std::string& r : o.refs) {
        auto kv = parse_key_value(r, "--ref");
        if (!kv.ok()) fail(kUsage, kCommand, kv.error().message());
        out.push_back({kv->first, read_file(kv->second)});
    }
    return out;
}

compat::ParsedSchema parse(compat::SchemaType type, const std::string& path,
                           const std::vector<compat::SchemaReference>& refs) {
    auto parsed = compat::parse_schema(type, read_file(path), refs);
    if (!parsed.ok()) fail(kUsage, kCommand, fmt::format("{}: {}", path, parsed.error().message()));
    return std::move(parsed).value();
}

struct Verdict {
    bool compatible = true;
    std::string level;
    std::string type;
    std::vector<std::string> against;  // what the new schema was checked against
    nlohmann::ordered_json issues = nlohmann::ordered_json::array();
    std::vector<std::string> lines;  // the reasons, for people
    std::string note;
};

int report(const CheckOptions& o, const Verdict& v) {
    if (o.json) {
        nlohmann::ordered_json out = {
            {"compatible", v.compatible}, {"level", v.level},     {"type", v.type},
            {"schema", o.new_file},       {"against", v.against}, {"issues", v.issues}};
        if (!v.note.empty()) out["note"] = v.note;
        std::puts(out.dump().c_str());
    } else {
        std::printf(
            "%s: %s against %s at %s\n", v.compatible ? "compatible" : "incompatible",
            o.new_file.c_str(),
            v.against.empty() ? "nothing" : fmt::format("{}", fmt::join(v.against, ", ")).c_str(),
            v.level.c_str());
        for (const std::string& line : v.lines) std::printf("  %s\n", line.c_str());
        if (!v.note.empty()) std::printf("  note: %s\n", v.note.c_str());
    }
    std::fflush(stdout);
    return v.compatible ? 0 : 1;
}

int check_files(const CheckOptions& o) {
    auto level = compat::parse_compatibility_level(o.level);
    if (!level.ok()) fail(kUsage, kCommand, level.error().message());
    const compat::SchemaType type = schema_type(o);
    const auto refs = references(o);
    compat::ParsedSchema fresh = parse(type, o.new_file, refs);
    std::vector<compat::ParsedSchema> previous;
    for (const std::string& f : o.previous_files) previous.push_back(parse(type, f, refs));
    compat::CompatibilityResult result = compat::check_compatibility(*level, fresh, previous);

    Verdict v;
    v.compatible = result.compatible();
    v.level = std::string(compat::to_string(*level));
    v.type = std::string(compat::to_string(type));
    v.against = o.previous_files;
    for (const compat::CompatibilityIssue& issue : result.issues) {
        const auto& inc = issue.incompatibility;
        const std::string& old_file = o.previous_files[issue.previous_index];
        v.issues.push_back({{"previous", old_file},
                            {"direction", issue.new_is_reader ? "backward" : "forward"},
                            {"rule", inc.rule},
                            {"path", inc.path},
                            {"message", inc.message}});
        v.lines.push_back(fmt::format(
            "{} at {}: {} ({})", inc.rule, inc.path, inc.message,
            issue.new_is_reader
                ? fmt::format("{} reading data written with {}", o.new_file, old_file)
                : fmt::format("{} reading data written with {}", old_file, o.new_file)));
    }
    return report(o, v);
}

/// POST /compatibility/subjects/{subject}/versions/latest?verbose=true on the registry.
int check_registry(const CheckOptions& o) {
    if (!o.refs.empty()) {
        fail(kUsage, kCommand,
             "--ref works with files; against a registry, references are registered subjects");
    }
    const compat::SchemaType type = schema_type(o);
    const std::string text = read_file(o.new_file);
    // Parsed here first: an invalid schema is the author's to fix, whatever the registry says.
    parse(type, o.new_file, {});
    auto client = registry::serdes::RegistryClient::make(o.registry);
    if (!client.ok()) fail(kUsage, kCommand, "--registry: " + client.error().message());
    nlohmann::json body = {{"schema", text}};
    if (type != compat::SchemaType::avro) body["schemaType"] = compat::to_string(type);
    std::string path = "/compatibility/subjects/" + registry::serdes::percent_encoded(o.subject) +
                       "/versions/latest?verbose=true";
    auto res = (*client)->request("POST", path, body.dump());
    if (!res.ok()) fail(kUsage, kCommand, res.error().message());
    auto answer = nlohmann::json::parse(res->body, nullptr, false);
    Verdict v;
    v.level = "the subject's level";
    v.type = std::string(compat::to_string(type));
    v.against = {o.registry + " subject " + o.subject};
    if (res->status == 404 && answer.is_object() && answer.value("error_code", 0) == 40401) {
        v.note = "the subject has no versions yet: nothing to be compatible with";
        return report(o, v);
    }
    if (res->status != 200 || !answer.is_object() || !answer.contains("is_compatible")) {
        std::string why = answer.is_object() && answer.contains("message")
                              ? answer.value("message", std::string())
                              : res->body.substr(0, 200);
        fail(kUsage, kCommand, fmt::format("registry answered {}: {}", res->status, why));
    }
    v.compatible = answer.value("is_compatible", false);
    if (answer.contains("messages") && answer["messages"].is_array()) {
        for (const auto& m : answer["messages"]) {
            std::string line = m.is_string() ? m.get<std::string>() : m.dump();
            v.lines.push_back(line);
            v.issues.push_back({{"message", line}});
        }
    }
    return report(o, v);
}

}  // namespace

void add_schema_command(CLI::App& app) {
    CLI::App* schema = app.add_subcommand("schema", "Schema tools for CI");
    schema->require_subcommand(1);
    auto o = std::make_shared<CheckOptions>();
    CLI::App* cmd = schema->add_subcommand(
        "check",
        "Is NEW compatible with the PREVIOUS files (oldest first), or with a registry subject? "
        "Exit 0 compatible, 1 incompatible, 2 usage error or invalid schema");
    cmd->add_option("new", o->new_file, "The new schema file")->required();
    cmd->add_option("previous", o->previous_files, "Previous versions, oldest first");
    cmd->add_option("--type", o->type,
                    "avro, json or protobuf (default: from the extension: .avsc, .json, .proto)");
    cmd->add_option("--level", o->level,
                    "NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
                    "FULL_TRANSITIVE (with files)")
        ->capture_default_str();
    cmd->add_option("--ref", o->refs, "A referenced schema NAME=FILE (repeatable, in order)")
        ->type_name("NAME=FILE")
        ->allow_extra_args(false);
    auto* registry =
        cmd->add_option("--registry", o->registry, "A schema registry URL (http://host:port)");
    cmd->add_option("--subject", o->subject, "The registry subject to check against")
        ->needs(registry);
    cmd->add_flag("--json", o->json, "One JSON object on stdout");
    cmd->callback([o, cmd] {
        int code = 0;
        if (!o->registry.empty()) {
            if (o->subject.empty()) fail(kUsage, kCommand, "--registry needs --subject");
            if (!o->previous_files.empty()) {
                fail(kUsage, kCommand, "give previous files or --registry, not both");
            }
            if (cmd->count("--level")) {
                fail(kUsage, kCommand, "--level applies to files; a registry uses the subject's");
            }
            code = check_registry(*o);
        } else {
            code = check_files(*o);
        }
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
