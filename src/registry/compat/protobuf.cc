// Protobuf parsing: libprotobuf's compiler::Parser turns each .proto text into a
// FileDescriptorProto, a DescriptorPool validates the files in import order (as protoc does),
// and the resulting descriptors are copied into the plain structs of protobuf.h. The pool itself
// leaves this file only through build_protobuf_descriptors (protobuf_descriptors.h), for codecs.

#include "registry/compat/protobuf.h"

#include "registry/compat/errc.h"
#include "registry/compat/protobuf_descriptors.h"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace es::registry::compat {

namespace pb = google::protobuf;

std::string_view to_string(ProtobufFieldType type) {
    switch (type) {
        case ProtobufFieldType::double_:
            return "double";
        case ProtobufFieldType::float_:
            return "float";
        case ProtobufFieldType::int64:
            return "int64";
        case ProtobufFieldType::uint64:
            return "uint64";
        case ProtobufFieldType::int32:
            return "int32";
        case ProtobufFieldType::fixed64:
            return "fixed64";
        case ProtobufFieldType::fixed32:
            return "fixed32";
        case ProtobufFieldType::bool_:
            return "bool";
        case ProtobufFieldType::string:
            return "string";
        case ProtobufFieldType::group:
            return "group";
        case ProtobufFieldType::message:
            return "message";
        case ProtobufFieldType::bytes:
            return "bytes";
        case ProtobufFieldType::uint32:
            return "uint32";
        case ProtobufFieldType::enum_:
            return "enum";
        case ProtobufFieldType::sfixed32:
            return "sfixed32";
        case ProtobufFieldType::sfixed64:
            return "sfixed64";
        case ProtobufFieldType::sint32:
            return "sint32";
        case ProtobufFieldType::sint64:
            return "sint64";
    }
    return "?";
}

std::string_view to_string(ProtobufLabel label) {
    switch (label) {
        case ProtobufLabel::optional:
            return "optional";
        case ProtobufLabel::required:
            return "required";
        case ProtobufLabel::repeated:
            return "repeated";
    }
    return "?";
}

std::optional<ProtobufTypeId> ProtobufSchema::find_message(std::string_view full_name) const {
    auto it = message_ids_.find(full_name);
    if (it == message_ids_.end()) return std::nullopt;
    return it->second;
}

std::optional<ProtobufTypeId> ProtobufSchema::find_enum(std::string_view full_name) const {
    auto it = enum_ids_.find(full_name);
    if (it == enum_ids_.end()) return std::nullopt;
    return it->second;
}

std::string canonical_form(const ProtobufSchema& schema) { return schema.canonical_form(); }

namespace {

/// The pool's name for the schema itself; the error text calls it by no name.
constexpr const char* kSchemaFileName = "<schema>";
constexpr std::size_t kMaxReportedErrors = 5;

std::string where(const std::string& file, int line, int column) {
    std::string text;
    if (file != kSchemaFileName) text = "in reference '" + file + "' ";
    if (line >= 0) text += "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1);
    if (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

/// Parser and tokenizer errors of one file, with 1-based line:column.
class TextErrors : public pb::io::ErrorCollector {
  public:
    TextErrors(std::string file, int column_shift)
        : file_(std::move(file)), column_shift_(column_shift) {}
    void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
        errors.push_back(where(file_, line, line == 0 ? column - column_shift_ : column) + ": " +
                         message);
    }
    void AddWarning(int line, pb::io::ColumnNumber column, const std::string& message) override {
        warnings.push_back(where(file_, line, line == 0 ? column - column_shift_ : column) + ": " +
                           message);
    }
    std::vector<std::string> errors;
    std::vector<std::string> warnings;

  private:
    std::string file_;
    int column_shift_ = 0;
};

/// Swallows errors: the nesting scan leaves error reporting to the parser.
class IgnoreErrors : public pb::io::ErrorCollector {
  public:
    void AddError(int, pb::io::ColumnNumber, const std::string&) override {}
};

/// libprotobuf's parser recurses once per nested message or aggregate option value, without a
/// limit in 3.21, so nesting is measured on the token stream (no recursion) before parsing.
std::optional<std::string> check_nesting(std::string_view text, const std::string& file) {
    pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    IgnoreErrors ignore;
    pb::io::Tokenizer tokenizer(&input, &ignore);
    int depth = 0;
    while (tokenizer.Next()) {
        const auto& token = tokenizer.current();
        if (token.type != pb::io::Tokenizer::TYPE_SYMBOL) continue;
        if (token.text == "{" || token.text == "<") {
            if (++depth > kProtobufMaxNesting) {
                return where(file, token.line, token.column) + ": nested deeper than " +
                       std::to_string(kProtobufMaxNesting) + " levels of { } or < >";
            }
        } else if ((token.text == "}" || token.text == ">") && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

constexpr std::string_view kDefaultSyntax = "syntax = \"proto2\"; ";

/// Whether the first token is `syntax` (libprotobuf 3.21 knows no `edition`).
bool starts_with_syntax(std::string_view text) {
    pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    IgnoreErrors ignore;
    pb::io::Tokenizer tokenizer(&input, &ignore);
    return tokenizer.Next() && tokenizer.current().text == "syntax";
}

std::string join_errors(const std::vector<std::string>& errors) {
    std::string text;
    for (std::size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) {
        if (i > 0) text += "; ";
        text += errors[i];
    }
    if (errors.size() > kMaxReportedErrors) {
        text += " (and " + std::to_string(errors.size() - kMaxReportedErrors) + " more)";
    }
    return text;
}

/// One file on its way into the pool.
struct SourceFile {
    std::string name;
    int column_shift = 0;  // characters put before line 1 (a syntax statement), see parse_file
    pb::FileDescriptorProto proto;
    pb::compiler::SourceLocationTable locations;
    bool well_known = false;  // copied from libprotobuf's generated pool: no source locations
};

/// The proto element (message, field, enum, value, oneof) called `name` inside `scope`, for
/// pool errors that come without the element itself. Recursion follows message nesting, which
/// check_nesting bounds.
const pb::Message* find_element(const pb::DescriptorProto& message, const std::string& scope,
                                const std::string& name) {
    std::string full = scope.empty() ? message.name() : scope + "." + message.name();
    if (full == name) return &message;
    if (name.rfind(full + ".", 0) != 0) return nullptr;
    for (const auto& f : message.field()) {
        if (full + "." + f.name() == name) return &f;
    }
    for (const auto& o : message.oneof_decl()) {
        if (full + "." + o.name() == name) return &o;
    }
    for (const auto& e : message.enum_type()) {
        if (full + "." + e.name() == name) return &e;
        for (const auto& v : e.value()) {
            if (full + "." + v.name() == name || full + "." + e.name() + "." + v.name() == name) {
                return &v;
            }
        }
    }
    for (const auto& nested : message.nested_type()) {
        if (const auto* found = find_element(nested, full, name)) return found;
    }
    return nullptr;
}

const pb::Message* find_element(const pb::FileDescriptorProto& file, const std::string& name) {
    for (const auto& m : file.message_type()) {
        if (const auto* found = find_element(m, file.package(), name)) return found;
    }
    std::string prefix = file.package().empty() ? "" : file.package() + ".";
    for (const auto& e : file.enum_type()) {
        if (prefix + e.name() == name) return &e;
        for (const auto& v : e.value()) {
            if (prefix + v.name() == name) return &v;
        }
    }
    return nullptr;
}

/// DescriptorPool errors (unknown types, duplicate or reserved numbers, ...), located through
/// the parser's SourceLocationTable of the file at fault.
class PoolErrors : public pb::DescriptorPool::ErrorCollector {
  public:
    explicit PoolErrors(const std::vector<std::unique_ptr<SourceFile>>& files) : files_(files) {}
    void AddError(const std::string& filename, const std::string& element_name,
                  const pb::Message* descriptor, ErrorLocation location,
                  const std::string& message) override {
        errors.push_back(locate(filename, element_name, descriptor, location) + ": " + message);
    }
    void AddWarning(const std::string& filename, const std::string& element_name,
                    const pb::Message* descriptor, ErrorLocation location,
                    const std::string& message) override {
        warnings.push_back(locate(filename, element_name, descriptor, location) + ": " + message);
    }
    std::vector<std::string> errors;
    std::vector<std::string> warnings;

  private:
    std::string locate(const std::string& filename, const std::string& element_name,
                       const pb::Message* descriptor, ErrorLocation location) const {
        int line = -1;
        int column = 0;
        for (const auto& file : files_) {
            if (file->name != filename) continue;
            if (location == IMPORT) {
                file->locations.FindImport(descriptor, element_name, &line, &column);
            } else if (!file->locations.Find(descriptor, location, &line, &column)) {
                // Some checks (reserved numbers, ...) pass the message, not the element.
                if (const auto* element = find_element(file->proto, element_name)) {
                    if (!file->locations.Find(element, location, &line, &column)) {
                        file->locations.Find(element, NAME, &line, &column);
                    }
                }
            }
            if (line == 0) column -= file->column_shift;
        }
        std::string text = where(filename, line, column);
        if (line < 0 && !element_name.empty()) {
            text += std::string(text.empty() ? "" : " ") + "at " + element_name;
        }
        return text;
    }
    const std::vector<std::unique_ptr<SourceFile>>& files_;
};

bool is_well_known(std::string_view import) { return import.rfind("google/protobuf/", 0) == 0; }

}  // namespace

/// Builds a ProtobufSchema: parses the schema and the references it imports, validates them
/// in a DescriptorPool, then copies the descriptors into plain structs.
class ProtobufSchemaBuilder {
  public:
    explicit ProtobufSchemaBuilder(const ProtobufReferences& refs) : refs_(refs) {}

    Result<ProtobufSchema> build(std::string_view text) {
        ES_TRY(ProtobufDescriptors descriptors, build_descriptors(text));
        // The plain structs copy every name, so the pool goes when this returns.
        return convert(*descriptors.file);
    }

    /// Parses the schema and what it imports and validates them in a new pool; parser and
    /// pool warnings go to notes_.
    Result<ProtobufDescriptors> build_descriptors(std::string_view text) {
        ES_CHECK(parse_file(kSchemaFileName, text));
        // Every file the schema imports, directly or not, parsed once (breadth first).
        for (std::size_t i = 0; i < files_.size(); ++i) {
            for (int d = 0; d < files_[i]->proto.dependency_size(); ++d) {
                const std::string& import = files_[i]->proto.dependency(d);
                if (find(import) != nullptr) continue;
                if (files_.size() >= static_cast<std::size_t>(kProtobufMaxFiles)) {
                    return Error(Errc::invalid_schema, "more than " +
                                                           std::to_string(kProtobufMaxFiles) +
                                                           " files imported (directly or not)");
                }
                auto ref = refs_.find(import);
                if (ref != refs_.end()) {
                    ES_CHECK(parse_file(import, ref->second));
                } else if (is_well_known(import) && copy_well_known(import)) {
                    continue;
                } else {
                    int line = -1;
                    int column = 0;
                    files_[i]->locations.FindImport(&files_[i]->proto, import, &line, &column);
                    std::string at = where(files_[i]->name, line, column);
                    return Error(Errc::invalid_schema,
                                 at + (at.empty() ? "" : ": ") + "import \"" + import +
                                     "\" was not found: it is neither a schema reference nor a "
                                     "well-known type (google/protobuf/*.proto)");
                }
            }
        }
        // Dependencies first, as a DescriptorPool requires; a cycle is an error.
        std::vector<const SourceFile*> order;
        std::set<std::string> done;
        std::vector<std::string> stack;
        ES_CHECK(visit(*files_.front(), order, done, stack));

        ProtobufDescriptors out;
        out.pool = std::make_unique<pb::DescriptorPool>();
        PoolErrors errors(files_);
        for (const SourceFile* file : order) {
            // The schema comes last in `order`, so the last file built is the schema.
            out.file = out.pool->BuildFileCollectingErrors(file->proto, &errors);
            if (out.file == nullptr) {
                if (errors.errors.empty()) {
                    errors.errors.push_back(where(file->name, -1, 0) + ": invalid file");
                }
                return Error(Errc::invalid_schema, join_errors(errors.errors));
            }
        }
        notes_.insert(notes_.end(), errors.warnings.begin(), errors.warnings.end());
        return out;
    }

  private:
    SourceFile* find(const std::string& name) {
        for (auto& file : files_) {
            if (file->name == name) return file.get();
        }
        return nullptr;
    }

    Status parse_file(const std::string& name, std::string_view text) {
        if (text.size() > static_cast<std::size_t>(INT_MAX) - kDefaultSyntax.size()) {
            return Error(Errc::invalid_schema, where(name, -1, 0) + " is too large");
        }
        if (auto deep = check_nesting(text, name)) return Error(Errc::invalid_schema, *deep);
        auto file = std::make_unique<SourceFile>();
        file->name = name;
        // Without a syntax statement libprotobuf reads proto2 and logs a warning to stderr (not
        // to the error collector); the statement is put in front on line 1 instead, and
        // columns on line 1 are shifted back in every message.
        std::string source;
        if (!starts_with_syntax(text)) {
            source = kDefaultSyntax;
            file->column_shift = static_cast<int>(source.size());
            notes_.push_back(where(name, -1, 0) + (name == kSchemaFileName ? "" : ": ") +
                             "no syntax statement: read as proto2");
        }
        source.append(text);
        pb::io::ArrayInputStream input(source.data(), static_cast<int>(source.size()));
        TextErrors errors(name, file->column_shift);
        pb::io::Tokenizer tokenizer(&input, &errors);
        pb::compiler::Parser parser;
        parser.RecordErrorsTo(&errors);
        parser.RecordSourceLocationsTo(&file->locations);
        bool ok = parser.Parse(&tokenizer, &file->proto);
        if (!ok || !errors.errors.empty()) {
            if (errors.errors.empty()) errors.errors.push_back(where(name, -1, 0) + ": not valid");
            return Error(Errc::invalid_schema, join_errors(errors.errors));
        }
        file->proto.set_name(name);
        notes_.insert(notes_.end(), errors.warnings.begin(), errors.warnings.end());
        files_.push_back(std::move(file));
        return ok_status();
    }

    /// A google/protobuf/*.proto compiled into libprotobuf, with its own imports.
    bool copy_well_known(const std::string& name) {
        const pb::FileDescriptor* known =
            pb::DescriptorPool::generated_pool()->FindFileByName(name);
        if (known == nullptr) return false;
        auto file = std::make_unique<SourceFile>();
        file->name = name;
        file->well_known = true;
        known->CopyTo(&file->proto);
        files_.push_back(std::move(file));
        return true;
    }

    Status visit(const SourceFile& file, std::vector<const SourceFile*>& order,
                 std::set<std::string>& done, std::vector<std::string>& stack) {
        if (done.count(file.name) != 0) return ok_status();
        for (const auto& open : stack) {
            if (open != file.name) continue;
            std::string cycle;
            bool in_cycle = false;
            for (const auto& name : stack) {
                in_cycle = in_cycle || name == file.name;
                if (in_cycle) cycle += "'" + name + "' -> ";
            }
            return Error(Errc::invalid_schema,
                         "imports form a cycle: " + cycle + "'" + file.name + "'");
        }
        stack.push_back(file.name);  // depth is bounded by kProtobufMaxFiles
        for (int d = 0; d < file.proto.dependency_size(); ++d) {
            const SourceFile* dependency = find(file.proto.dependency(d));
            if (dependency == nullptr) continue;  // reported while reading imports
            ES_CHECK(visit(*dependency, order, done, stack));
        }
        stack.pop_back();
        done.insert(file.name);
        order.push_back(&file);
        return ok_status();
    }

    static std::string local_name(const std::string& full_name, const std::string& package) {
        if (!package.empty() && full_name.rfind(package + ".", 0) == 0) {
            return full_name.substr(package.size() + 1);
        }
        return full_name;
    }

    ProtobufTypeId add_enum(const pb::EnumDescriptor& descriptor, int32_t file) {
        ProtobufEnum e;
        e.name = descriptor.name();
        e.full_name = descriptor.full_name();
        e.local_name = local_name(e.full_name, descriptor.file()->package());
        e.file = file;
        for (int i = 0; i < descriptor.value_count(); ++i) {
            e.values.push_back({descriptor.value(i)->name(), descriptor.value(i)->number()});
        }
        for (int i = 0; i < descriptor.reserved_range_count(); ++i) {
            // EnumDescriptor ranges include their end.
            e.reserved_ranges.push_back(
                {descriptor.reserved_range(i)->start, descriptor.reserved_range(i)->end});
        }
        for (int i = 0; i < descriptor.reserved_name_count(); ++i) {
            e.reserved_names.push_back(descriptor.reserved_name(i));
        }
        auto id = static_cast<ProtobufTypeId>(schema_.enums_.size());
        schema_.enum_ids_.emplace(e.full_name, id);
        schema_.enums_.push_back(std::move(e));
        return id;
    }

    static ProtobufField convert_field(const pb::FieldDescriptor& descriptor) {
        ProtobufField f;
        f.name = descriptor.name();
        f.number = descriptor.number();
        f.type = static_cast<ProtobufFieldType>(static_cast<int>(descriptor.type()) - 1);
        if (descriptor.message_type() != nullptr)
            f.type_name = descriptor.message_type()->full_name();
        if (descriptor.enum_type() != nullptr) f.type_name = descriptor.enum_type()->full_name();
        f.label = descriptor.is_repeated()   ? ProtobufLabel::repeated
                  : descriptor.is_required() ? ProtobufLabel::required
                                             : ProtobufLabel::optional;
        f.label_written = descriptor.is_repeated() || descriptor.is_required() ||
                          descriptor.has_optional_keyword();
        if (const auto* oneof = descriptor.real_containing_oneof()) f.oneof = oneof->index();
        return f;
    }

    // Recursion follows the nesting of messages, which check_nesting bounds.
    ProtobufTypeId add_message(const pb::Descriptor& descriptor, int32_t file) {
        auto id = static_cast<ProtobufTypeId>(schema_.messages_.size());
        schema_.messages_.emplace_back();
        schema_.message_ids_.emplace(descriptor.full_name(), id);
        ProtobufMessage m;
        m.name = descriptor.name();
        m.full_name = descriptor.full_name();
        m.local_name = local_name(m.full_name, descriptor.file()->package());
        m.file = file;
        m.map_entry = descriptor.options().map_entry();
        for (int i = 0; i < descriptor.real_oneof_decl_count(); ++i) {
            m.oneofs.push_back({descriptor.oneof_decl(i)->name(), {}});
        }
        for (int i = 0; i < descriptor.field_count(); ++i) {
            ProtobufField f = convert_field(*descriptor.field(i));
            if (f.oneof >= 0) m.oneofs[static_cast<std::size_t>(f.oneof)].fields.push_back(i);
            m.fields.push_back(std::move(f));
        }
        for (int i = 0; i < descriptor.reserved_range_count(); ++i) {
            // Descriptor ranges exclude their end.
            m.reserved_ranges.push_back(
                {descriptor.reserved_range(i)->start, descriptor.reserved_range(i)->end - 1});
        }
        for (int i = 0; i < descriptor.reserved_name_count(); ++i) {
            m.reserved_names.push_back(descriptor.reserved_name(i));
        }
        for (int i = 0; i < descriptor.nested_type_count(); ++i) {
            m.nested_messages.push_back(add_message(*descriptor.nested_type(i), file));
        }
        for (int i = 0; i < descriptor.enum_type_count(); ++i) {
            m.nested_enums.push_back(add_enum(*descriptor.enum_type(i), file));
        }
        schema_.messages_[static_cast<std::size_t>(id)] = std::move(m);
        return id;
    }

    Result<ProtobufSchema> convert(const pb::FileDescriptor& root) {
        // The schema first, then its imports breadth first.
        std::vector<const pb::FileDescriptor*> files{&root};
        for (std::size_t i = 0; i < files.size(); ++i) {
            for (int d = 0; d < files[i]->dependency_count(); ++d) {
                const pb::FileDescriptor* dependency = files[i]->dependency(d);
                bool seen = false;
                for (const auto* f : files) seen = seen || f == dependency;
                if (!seen) files.push_back(dependency);
            }
        }
        schema_.files_.clear();
        for (std::size_t i = 0; i < files.size(); ++i) {
            const pb::FileDescriptor& descriptor = *files[i];
            auto index = static_cast<int32_t>(i);
            ProtobufFile file;
            file.name = i == 0 ? "" : descriptor.name();
            file.package = descriptor.package();
            file.syntax =
                descriptor.syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "proto3" : "proto2";
            for (int d = 0; d < descriptor.dependency_count(); ++d) {
                file.dependencies.push_back(descriptor.dependency(d)->name());
            }
            for (int m = 0; m < descriptor.message_type_count(); ++m) {
                file.messages.push_back(add_message(*descriptor.message_type(m), index));
            }
            for (int e = 0; e < descriptor.enum_type_count(); ++e) {
                file.enums.push_back(add_enum(*descriptor.enum_type(e), index));
            }
            schema_.files_.push_back(std::move(file));
        }
        schema_.notes_ = std::move(notes_);
        schema_.canonical_ = root.DebugString();
        return std::move(schema_);
    }

    const ProtobufReferences& refs_;
    std::vector<std::unique_ptr<SourceFile>> files_;  // [0] is the schema
    std::vector<std::string> notes_;
    ProtobufSchema schema_;
};

Result<ProtobufSchema> parse_protobuf(std::string_view text, const ProtobufReferences& refs) {
    ProtobufSchemaBuilder builder(refs);
    return builder.build(text);
}

ProtobufDescriptors::ProtobufDescriptors() = default;
ProtobufDescriptors::~ProtobufDescriptors() = default;
ProtobufDescriptors::ProtobufDescriptors(ProtobufDescriptors&&) noexcept = default;
ProtobufDescriptors& ProtobufDescriptors::operator=(ProtobufDescriptors&&) noexcept = default;

Result<ProtobufDescriptors> build_protobuf_descriptors(std::string_view text,
                                                       const ProtobufReferences& refs) {
    ProtobufSchemaBuilder builder(refs);
    return builder.build_descriptors(text);
}

}  // namespace es::registry::compat
