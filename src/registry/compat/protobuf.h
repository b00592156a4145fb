#pragma once

// Protobuf schemas (.proto text, proto2 and proto3): parsing and validation with libprotobuf's
// own parser and DescriptorPool (names, types, numbers, reserved ranges and imports are checked
// exactly as protoc checks them), a canonical form for identity, and Confluent Schema
// Registry's Protobuf compatibility rules. Pure code, no I/O. libprotobuf stays inside the .cc
// files: the schema is kept in the plain structs below. See README.md for rules and limits.

#include "base/result.h"
#include "registry/compat/compat.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::registry::compat {

/// Index of a message or enum inside one ProtobufSchema.
using ProtobufTypeId = int32_t;

/// The field types of descriptor.proto (FieldDescriptorProto.Type), same order.
enum class ProtobufFieldType : uint8_t {
    double_,
    float_,
    int64,
    uint64,
    int32,
    fixed64,
    fixed32,
    bool_,
    string,
    group,
    message,
    bytes,
    uint32,
    enum_,
    sfixed32,
    sfixed64,
    sint32,
    sint64,
};

/// "double", "int32", ..., "group", "message", "enum": as written in .proto files.
std::string_view to_string(ProtobufFieldType type);

enum class ProtobufLabel : uint8_t { optional, required, repeated };

/// "optional", "required", "repeated".
std::string_view to_string(ProtobufLabel label);

struct ProtobufField {
    std::string name;
    int32_t number = 0;
    ProtobufFieldType type = ProtobufFieldType::int32;
    /// Full name (no leading dot) of the message, group or enum type; empty for scalars. A map
    /// field's type is its synthesized entry message (map_entry, fields 1 key and 2 value).
    std::string type_name;
    ProtobufLabel label = ProtobufLabel::optional;
    /// The label is spelled in the source: proto2 optional/required/repeated outside oneofs,
    /// proto3 `optional` and `repeated`. Confluent compares labels only when both are spelled.
    bool label_written = false;
    /// Index into ProtobufMessage::oneofs, -1 when not in a (real) oneof. proto3 `optional`
    /// fields live in synthetic oneofs, which are not listed.
    int32_t oneof = -1;
};

struct ProtobufOneof {
    std::string name;
    std::vector<int32_t> fields;  // indexes into ProtobufMessage::fields
};

/// A reserved number range, both ends included.
struct ProtobufReservedRange {
    int32_t start = 0;
    int32_t end = 0;
};

struct ProtobufMessage {
    std::string name;                   // "Inner"
    std::string full_name;              // "pkg.Outer.Inner"
    std::string local_name;             // "Outer.Inner": the full name without the file's package
    int32_t file = 0;                   // index into ProtobufSchema::files()
    bool map_entry = false;             // the entry message synthesized for a map field
    std::vector<ProtobufField> fields;  // declaration order, oneof members included
    std::vector<ProtobufOneof> oneofs;  // real oneofs, declaration order
    std::vector<ProtobufReservedRange> reserved_ranges;
    std::vector<std::string> reserved_names;
    std::vector<ProtobufTypeId> nested_messages;  // ids into ProtobufSchema::messages()
    std::vector<ProtobufTypeId> nested_enums;     // ids into ProtobufSchema::enums()
};

struct ProtobufEnumValue {
    std::string name;
    int32_t number = 0;
};

struct ProtobufEnum {
    std::string name;
    std::string full_name;
    std::string local_name;
    int32_t file = 0;
    std::vector<ProtobufEnumValue> values;
    std::vector<ProtobufReservedRange> reserved_ranges;
    std::vector<std::string> reserved_names;
};

/// One .proto file: [0] the schema itself, then every file it imports (directly or not).
struct ProtobufFile {
    std::string name;                       // the import path ("" for the schema itself)
    std::string package;                    // "" when none
    std::string syntax;                     // "proto2" or "proto3"
    std::vector<std::string> dependencies;  // imports as written
    std::vector<ProtobufTypeId> messages;   // top-level, declaration order
    std::vector<ProtobufTypeId> enums;      // top-level, declaration order
};

/// A parsed, validated Protobuf schema with every type of it and of its imports. Copyable.
class ProtobufSchema {
  public:
    const ProtobufFile& file() const { return files_.front(); }
    const std::vector<ProtobufFile>& files() const { return files_; }
    const std::string& syntax() const { return file().syntax; }
    const std::string& package() const { return file().package; }
    const std::vector<ProtobufMessage>& messages() const { return messages_; }
    const std::vector<ProtobufEnum>& enums() const { return enums_; }
    const ProtobufMessage& message(ProtobufTypeId id) const {
        return messages_[static_cast<std::size_t>(id)];
    }
    const ProtobufEnum& enum_type(ProtobufTypeId id) const {
        return enums_[static_cast<std::size_t>(id)];
    }
    /// By full name without a leading dot ("pkg.Outer.Inner").
    std::optional<ProtobufTypeId> find_message(std::string_view full_name) const;
    std::optional<ProtobufTypeId> find_enum(std::string_view full_name) const;
    /// Parser warnings (e.g. no syntax statement: read as proto2), each with line:column.
    const std::vector<std::string>& notes() const { return notes_; }
    /// libprotobuf's FileDescriptor::DebugString() of the schema: one normalized .proto text
    /// (comments and layout dropped, types written as resolved full names with a leading dot,
    /// declarations in source order). Two schemas with the same form are the same schema.
    const std::string& canonical_form() const { return canonical_; }

  private:
    friend class ProtobufSchemaBuilder;
    std::vector<ProtobufFile> files_{ProtobufFile{}};
    std::vector<ProtobufMessage> messages_;
    std::vector<ProtobufEnum> enums_;
    std::map<std::string, ProtobufTypeId, std::less<>> message_ids_;
    std::map<std::string, ProtobufTypeId, std::less<>> enum_ids_;
    std::vector<std::string> notes_;
    std::string canonical_;
};

/// The registry's schema references for Protobuf: import path (as written in `import "..."`)
/// -> .proto text. google/protobuf/*.proto (the well-known types compiled into libprotobuf)
/// resolve without a reference.
using ProtobufReferences = std::map<std::string, std::string, std::less<>>;

/// Limits for untrusted input.
inline constexpr int kProtobufMaxNesting = 64;      // nested { } and < > in one file
inline constexpr int kProtobufMaxFiles = 256;       // the schema and every file it imports
inline constexpr int kProtobufMaxCheckDepth = 200;  // nested steps of the compatibility check

/// Parses and validates one schema. Errc::invalid_schema with "line L:C: message" (1-based;
/// "in reference 'a.proto' line L:C: ..." when an imported file is at fault) for syntax errors,
/// unknown types, duplicate or reserved numbers, missing or circular imports, nesting deeper
/// than kProtobufMaxNesting.
Result<ProtobufSchema> parse_protobuf(std::string_view text, const ProtobufReferences& refs = {});

/// The canonical form (computed by parse_protobuf).
std::string canonical_form(const ProtobufSchema& schema);

/// Confluent Schema Registry's Protobuf rules (protobuf-provider's SchemaDiff, writer =
/// Confluent's "original", reader = its "update"): every incompatible difference, empty when
/// none. Paths are Confluent's without the '#': "/Outer/Inner/2" (message names without the
/// package, then a field number), "/Msg/choice" (a oneof), "/Msg/choice/3"; "/" is the file.
std::vector<Incompatibility> protobuf_can_read(const ProtobufSchema& reader,
                                               const ProtobufSchema& writer);

}  // namespace es::registry::compat
