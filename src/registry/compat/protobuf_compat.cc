// Confluent Schema Registry's Protobuf compatibility (protobuf-provider: SchemaDiff,
// MessageSchemaDiff, OneOfDiff, FieldSchemaDiff), reported in reader/writer terms: the writer
// is Confluent's "original", the reader its "update". Only the Difference types outside
// Confluent's COMPATIBLE_CHANGES are reported. Works on the plain structs of protobuf.h.

#include "registry/compat/protobuf.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace es::registry::compat {
namespace {

/// Confluent's FieldSchemaDiff.Kind; groups are ours (Wire has none; the encoding differs).
enum class Kind { scalar, message, map, group };

/// Confluent's FieldSchemaDiff.ScalarKind: the wire-compatible groups of the Protobuf guide.
enum class ScalarKind {
    general_number,
    signed_number,
    string_or_bytes,
    fixed32,
    fixed64,
    float_,
    double_
};

ScalarKind scalar_kind(ProtobufFieldType type) {
    switch (type) {
        case ProtobufFieldType::int32:
        case ProtobufFieldType::int64:
        case ProtobufFieldType::uint32:
        case ProtobufFieldType::uint64:
        case ProtobufFieldType::bool_:
        case ProtobufFieldType::enum_:
            return ScalarKind::general_number;
        case ProtobufFieldType::sint32:
        case ProtobufFieldType::sint64:
            return ScalarKind::signed_number;
        case ProtobufFieldType::string:
        case ProtobufFieldType::bytes:
            return ScalarKind::string_or_bytes;
        case ProtobufFieldType::fixed32:
        case ProtobufFieldType::sfixed32:
            return ScalarKind::fixed32;
        case ProtobufFieldType::fixed64:
        case ProtobufFieldType::sfixed64:
            return ScalarKind::fixed64;
        case ProtobufFieldType::float_:
            return ScalarKind::float_;
        case ProtobufFieldType::double_:
        case ProtobufFieldType::message:
        case ProtobufFieldType::group:
            break;
    }
    return ScalarKind::double_;
}

std::string_view describe(ScalarKind kind) {
    switch (kind) {
        case ScalarKind::general_number:
            return "int32/int64/uint32/uint64/bool/enum";
        case ScalarKind::signed_number:
            return "sint32/sint64";
        case ScalarKind::string_or_bytes:
            return "string/bytes";
        case ScalarKind::fixed32:
            return "fixed32/sfixed32";
        case ScalarKind::fixed64:
            return "fixed64/sfixed64";
        case ScalarKind::float_:
            return "float";
        case ScalarKind::double_:
            return "double";
    }
    return "?";
}

/// One side of a comparison: a field's type as Confluent sees it (a map is its key and value).
struct TypeRef {
    const ProtobufSchema* schema = nullptr;
    ProtobufFieldType type = ProtobufFieldType::int32;
    std::string type_name;
    const ProtobufMessage* message = nullptr;  // message, group or map entry
};

TypeRef type_of(const ProtobufSchema& schema, const ProtobufField& field) {
    TypeRef t{&schema, field.type, field.type_name, nullptr};
    if (field.type == ProtobufFieldType::message || field.type == ProtobufFieldType::group) {
        if (auto id = schema.find_message(field.type_name)) t.message = &schema.message(*id);
    }
    return t;
}

Kind kind_of(const TypeRef& t) {
    if (t.type == ProtobufFieldType::group) return Kind::group;
    if (t.type != ProtobufFieldType::message) return Kind::scalar;
    return t.message != nullptr && t.message->map_entry ? Kind::map : Kind::message;
}

const ProtobufField* entry_field(const ProtobufMessage& entry, int32_t number) {
    for (const auto& f : entry.fields) {
        if (f.number == number) return &f;
    }
    return nullptr;
}

std::string type_text(const TypeRef& t) {
    switch (kind_of(t)) {
        case Kind::scalar:
            if (t.type == ProtobufFieldType::enum_) return "enum " + t.type_name;
            return std::string(to_string(t.type));
        case Kind::message:
            return "message " + t.type_name;
        case Kind::group:
            return "group " + t.type_name;
        case Kind::map: {
            const auto* key = entry_field(*t.message, 1);
            const auto* value = entry_field(*t.message, 2);
            if (key == nullptr || value == nullptr) return "map";
            return "map<" + type_text(type_of(*t.schema, *key)) + ", " +
                   type_text(type_of(*t.schema, *value)) + ">";
        }
    }
    return "?";
}

std::string field_text(const ProtobufSchema& schema, const ProtobufField& f) {
    std::string label = f.label_written ? std::string(to_string(f.label)) + " " : "";
    return "'" + label + type_text(type_of(schema, f)) + " " + f.name + " = " +
           std::to_string(f.number) + "'";
}

class Checker {
  public:
    Checker(const ProtobufSchema& reader, const ProtobufSchema& writer)
        : reader_(reader), writer_(writer) {}

    std::vector<Incompatibility> run() {
        compare_types(writer_.file().messages, reader_.file().messages);
        return std::move(out_);
    }

  private:
    std::string path() const {
        if (path_.empty()) return "/";
        std::string text;
        for (const auto& segment : path_) text += "/" + segment;
        return text;
    }

    void add(const std::string& rule, const std::string& message) {
        ++found_;
        Incompatibility inc{path(), rule, message};
        if (seen_.insert({inc.path, inc.rule}).second) out_.push_back(std::move(inc));
    }

    /// Messages at one level, matched by name (Confluent: SchemaDiff.compareTypeElements).
    /// Enums are matched too in Confluent, but every enum difference is compatible.
    void compare_types(const std::vector<ProtobufTypeId>& writer_ids,
                       const std::vector<ProtobufTypeId>& reader_ids) {
        std::map<std::string, const ProtobufMessage*> reader_by_name;
        for (auto id : reader_ids) {
            const auto& m = reader_.message(id);
            if (!m.map_entry) reader_by_name.emplace(m.name, &m);
        }
        std::map<std::string, const ProtobufMessage*> writer_by_name;
        for (auto id : writer_ids) {
            const auto& m = writer_.message(id);
            if (!m.map_entry) writer_by_name.emplace(m.name, &m);
        }
        for (const auto& [name, w] : writer_by_name) {
            path_.push_back(name);
            auto r = reader_by_name.find(name);
            if (r == reader_by_name.end()) {
                add("MESSAGE_REMOVED", "the reader has no message " + w->local_name +
                                           ", which the writer defines (" + w->full_name +
                                           "); keep the message, even if no field uses it");
            } else {
                compare_message(*w, *r->second);
            }
            path_.pop_back();
        }
    }

    /// Confluent: MessageSchemaDiff.compare. Returns whether anything incompatible was found
    /// (the check of a named type referenced from a field needs it).
    bool compare_message(const ProtobufMessage& w, const ProtobufMessage& r) {
        std::size_t found_before = found_;
        if (depth_ >= kProtobufMaxCheckDepth) {
            add("SCHEMA_TOO_DEEP", "the check nested deeper than " +
                                       std::to_string(kProtobufMaxCheckDepth) +
                                       " steps and stopped here; this is not a verdict");
            return true;
        }
        auto key = std::make_pair(&w, &r);
        if (in_progress_.count(key) != 0) return false;  // recursive types: assume compatible
        in_progress_.insert(key);
        ++depth_;
        compare_fields(w, r);
        compare_types(w.nested_messages, r.nested_messages);
        --depth_;
        in_progress_.erase(key);
        return found_ > found_before;
    }

    void compare_fields(const ProtobufMessage& w, const ProtobufMessage& r) {
        std::map<int32_t, const ProtobufField*> w_top, r_top, w_in_oneof, w_all, r_all;
        std::map<int32_t, std::string> w_oneof_of, r_oneof_of;
        for (const auto& f : w.fields) {
            w_all[f.number] = &f;
            if (f.oneof < 0) {
                w_top[f.number] = &f;
            } else {
                w_in_oneof[f.number] = &f;
                w_oneof_of[f.number] = w.oneofs[static_cast<std::size_t>(f.oneof)].name;
            }
        }
        for (const auto& f : r.fields) {
            r_all[f.number] = &f;
            if (f.oneof < 0) {
                r_top[f.number] = &f;
            } else {
                r_oneof_of[f.number] = r.oneofs[static_cast<std::size_t>(f.oneof)].name;
            }
        }

        // Fields moved into a reader oneof: at most one may come from outside a oneof, and it
        // may not join fields that were already in a oneof.
        for (const auto& oneof : r.oneofs) {
            path_.push_back(oneof.name);
            std::vector<std::string> moved, existing;
            for (int32_t index : oneof.fields) {
                const auto& f = r.fields[static_cast<std::size_t>(index)];
                auto it = w_top.find(f.number);
                if (it != w_top.end()) {
                    moved.push_back(it->second->name + " = " + std::to_string(f.number));
                    w_top.erase(it);
                } else if (w_in_oneof.count(f.number) != 0) {
                    existing.push_back(w_in_oneof[f.number]->name + " = " +
                                       std::to_string(f.number) + " (in writer oneof " +
                                       w_oneof_of[f.number] + ")");
                }
            }
            if (moved.size() > 1) {
                std::string list;
                for (const auto& m : moved) list += (list.empty() ? "" : ", ") + m;
                add("MULTIPLE_FIELDS_MOVED_TO_ONEOF",
                    "reader oneof " + oneof.name + " of " + r.full_name +
                        " takes several fields the writer has outside any oneof (" + list +
                        "): writer data may set them together, the reader keeps one");
            } else if (moved.size() == 1 && !existing.empty()) {
                add("FIELD_MOVED_TO_EXISTING_ONEOF",
                    "reader oneof " + oneof.name + " of " + r.full_name + " takes field " +
                        moved.front() + " from outside any oneof together with " +
                        existing.front() +
                        ": writer data may set them together, the reader keeps one");
            }
            path_.pop_back();
        }

        // Oneofs matched by name: a member the reader dropped entirely is lost data.
        for (const auto& w_oneof : w.oneofs) {
            auto r_oneof = std::find_if(r.oneofs.begin(), r.oneofs.end(),
                                        [&](const auto& o) { return o.name == w_oneof.name; });
            if (r_oneof == r.oneofs.end()) continue;  // ONEOF_REMOVED is compatible
            path_.push_back(w_oneof.name);
            std::map<int32_t, const ProtobufField*> w_members, r_members;
            for (int32_t i : w_oneof.fields) {
                const auto& f = w.fields[static_cast<std::size_t>(i)];
                w_members[f.number] = &f;
            }
            for (int32_t i : r_oneof->fields) {
                const auto& f = r.fields[static_cast<std::size_t>(i)];
                r_members[f.number] = &f;
            }
            for (const auto& [number, wf] : w_members) {
                path_.push_back(std::to_string(number));
                auto rf = r_members.find(number);
                if (rf != r_members.end()) {
                    compare_field(*wf, *rf->second, r);
                } else if (r_all.count(number) == 0) {
                    add("ONEOF_FIELD_REMOVED",
                        "the writer's oneof " + w_oneof.name + " of " + w.full_name +
                            " has field " + field_text(writer_, *wf) +
                            ", which the reader removed from the oneof: writer data that "
                            "chose it reads as if no member were set");
                }
                path_.pop_back();
            }
            path_.pop_back();
        }

        // Fields outside oneofs, by number.
        std::set<int32_t> numbers;
        for (const auto& [n, f] : w_top) numbers.insert(n);
        for (const auto& [n, f] : r_top) numbers.insert(n);
        for (int32_t number : numbers) {
            path_.push_back(std::to_string(number));
            auto wf = w_top.find(number);
            auto rf = r_top.find(number);
            if (rf == r_top.end()) {
                if (wf->second->label == ProtobufLabel::required) {
                    add("REQUIRED_FIELD_REMOVED", "the writer's required field " +
                                                      field_text(writer_, *wf->second) + " of " +
                                                      w.full_name +
                                                      " is missing in the reader; make it optional "
                                                      "in both before removing it");
                }
            } else if (wf == w_top.end()) {
                if (rf->second->label == ProtobufLabel::required) {
                    add("REQUIRED_FIELD_ADDED", "the reader requires field " +
                                                    field_text(reader_, *rf->second) + " of " +
                                                    r.full_name +
                                                    ", which the writer does not have; add it as "
                                                    "optional");
                }
            } else {
                compare_field(*wf->second, *rf->second, r);
            }
            path_.pop_back();
        }

        // Fields whose oneof membership changed (moved into or out of a oneof, or between
        // oneofs): their types are still compared by number.
        for (const auto& [number, wf] : w_all) {
            auto rf = r_all.find(number);
            if (rf == r_all.end()) continue;
            bool w_in = w_oneof_of.count(number) != 0;
            bool r_in = r_oneof_of.count(number) != 0;
            if (!w_in && !r_in) continue;
            if (w_in && r_in && w_oneof_of[number] == r_oneof_of[number]) continue;
            path_.push_back(std::to_string(number));
            compare_field(*wf, *rf->second, r);
            path_.pop_back();
        }
    }

    /// Confluent: FieldSchemaDiff.compare (the name may change; the type decides).
    void compare_field(const ProtobufField& wf, const ProtobufField& rf, const ProtobufMessage& r) {
        std::string subject = "field " + std::to_string(wf.number) + " of " + r.full_name +
                              " (writer " + field_text(writer_, wf) + ", reader " +
                              field_text(reader_, rf) + ")";
        compare_types(type_of(writer_, wf), type_of(reader_, rf),
                      wf.label_written && rf.label_written && wf.label != rf.label, subject);
    }

    void compare_types(const TypeRef& wt, const TypeRef& rt, bool label_changed,
                       const std::string& subject) {
        Kind w_kind = kind_of(wt);
        Kind r_kind = kind_of(rt);
        if (w_kind != r_kind) {
            add("FIELD_KIND_CHANGED", subject + ": " + type_text(wt) + " cannot be read as " +
                                          type_text(rt) +
                                          " (scalars, enums, messages and maps differ on the "
                                          "wire)");
            return;
        }
        switch (w_kind) {
            case Kind::scalar: {
                ScalarKind w_scalar = scalar_kind(wt.type);
                ScalarKind r_scalar = scalar_kind(rt.type);
                if (w_scalar != r_scalar) {
                    add("FIELD_SCALAR_KIND_CHANGED",
                        subject + ": " + type_text(wt) + " (" + std::string(describe(w_scalar)) +
                            ") and " + type_text(rt) + " (" + std::string(describe(r_scalar)) +
                            ") are not wire-compatible");
                } else if (label_changed && w_scalar != ScalarKind::string_or_bytes) {
                    add("FIELD_NUMERIC_LABEL_CHANGED",
                        subject +
                            ": a numeric field may not change between optional, required "
                            "and repeated (packed repeated numbers do not read as one "
                            "value)");
                }
                return;
            }
            case Kind::message:
            case Kind::group:
                compare_named(wt, rt, subject);
                return;
            case Kind::map: {
                const auto* wk = entry_field(*wt.message, 1);
                const auto* rk = entry_field(*rt.message, 1);
                const auto* wv = entry_field(*wt.message, 2);
                const auto* rv = entry_field(*rt.message, 2);
                if (wk && rk)
                    compare_types(type_of(writer_, *wk), type_of(reader_, *rk), false,
                                  subject + ", map key");
                if (wv && rv)
                    compare_types(type_of(writer_, *wv), type_of(reader_, *rv), false,
                                  subject + ", map value");
                return;
            }
        }
    }

    /// Confluent: FieldSchemaDiff.compareMessageTypes. Types are the same when their names
    /// without the package match; a type from an imported file is compared here (types of the
    /// schema itself are compared where they are declared).
    void compare_named(const TypeRef& wt, const TypeRef& rt, const std::string& subject) {
        if (wt.message == nullptr || rt.message == nullptr) {
            if (wt.type_name != rt.type_name) {
                add("FIELD_NAMED_TYPE_CHANGED",
                    subject + ": the type changed from " + wt.type_name + " to " + rt.type_name);
            }
            return;
        }
        const ProtobufMessage& wm = *wt.message;
        const ProtobufMessage& rm = *rt.message;
        if (wm.local_name != rm.local_name) {
            add("FIELD_NAMED_TYPE_CHANGED", subject + ": the type changed from " + wm.full_name +
                                                " to " + rm.full_name +
                                                " (names compare without the package)");
            return;
        }
        if (wm.file == 0 && rm.file == 0) return;
        auto key = std::make_pair(&wm, &rm);
        if (in_progress_.count(key) != 0) return;  // recursive types: assume compatible
        bool incompatible = false;
        if (auto memo = named_memo_.find(key); memo != named_memo_.end()) {
            incompatible = memo->second;
        } else {
            // As Confluent's sub-context: paths restart at the type's name.
            std::vector<std::string> saved = std::move(path_);
            path_.clear();
            std::size_t start = 0;
            while (true) {
                auto dot = wm.local_name.find('.', start);
                path_.push_back(wm.local_name.substr(start, dot - start));
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
            incompatible = compare_message(wm, rm);
            path_ = std::move(saved);
            named_memo_[key] = incompatible;
        }
        if (incompatible) {
            std::string at = "/" + wm.local_name;
            std::replace(at.begin(), at.end(), '.', '/');
            add("FIELD_NAMED_TYPE_CHANGED", subject + ": the reader's " + rm.full_name +
                                                " cannot read the writer's " + wm.full_name +
                                                " (see the issues at " + at + ")");
        }
    }

    const ProtobufSchema& reader_;
    const ProtobufSchema& writer_;
    std::vector<std::string> path_;
    std::vector<Incompatibility> out_;
    std::set<std::pair<std::string, std::string>> seen_;
    std::size_t found_ = 0;  // every add(), duplicates included
    int depth_ = 0;          // nested compare_message calls
    std::set<std::pair<const ProtobufMessage*, const ProtobufMessage*>> in_progress_;
    std::map<std::pair<const ProtobufMessage*, const ProtobufMessage*>, bool> named_memo_;
};

}  // namespace

std::vector<Incompatibility> protobuf_can_read(const ProtobufSchema& reader,
                                               const ProtobufSchema& writer) {
    return Checker(reader, writer).run();
}

}  // namespace es::registry::compat
