#include "registry/compat/avro.h"

#include "registry/compat/errc.h"
#include "registry/compat/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

namespace es::registry::compat {

using Json = nlohmann::json;

namespace {

constexpr std::pair<std::string_view, AvroType> kPrimitives[] = {
    {"null", AvroType::null},   {"boolean", AvroType::boolean}, {"int", AvroType::int_},
    {"long", AvroType::long_},  {"float", AvroType::float_},    {"double", AvroType::double_},
    {"bytes", AvroType::bytes}, {"string", AvroType::string},
};

std::optional<AvroType> primitive_type(std::string_view name) {
    for (const auto& [text, type] : kPrimitives) {
        if (text == name) return type;
    }
    return std::nullopt;
}

bool is_primitive(AvroType type) {
    return type != AvroType::record && type != AvroType::enum_ && type != AvroType::array &&
           type != AvroType::map && type != AvroType::union_ && type != AvroType::fixed;
}

/// [A-Za-z_][A-Za-z0-9_]*
bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

/// One or more valid names separated by dots.
bool valid_full_name(std::string_view name) {
    std::size_t start = 0;
    while (true) {
        std::size_t dot = name.find('.', start);
        if (!valid_name(name.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::string_view simple_part(std::string_view full_name) {
    std::size_t dot = full_name.rfind('.');
    return dot == std::string_view::npos ? full_name : full_name.substr(dot + 1);
}

/// The JSON value for an error message, cut short.
std::string show(const Json& value) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

std::string show_name(std::string_view name) {
    std::string text(name.substr(0, 80));
    if (name.size() > 80) text += "...";
    return "'" + text + "'";
}

Error invalid(std::string_view path, std::string_view message) {
    std::string text = "at ";
    text.append(path.empty() ? "/" : path).append(": ").append(message);
    return Error(Errc::invalid_schema, std::move(text));
}

/// Code points of a valid UTF-8 string (nlohmann has checked it): count and largest.
std::pair<std::size_t, uint32_t> code_points(const std::string& text) {
    std::size_t count = 0;
    uint32_t largest = 0;
    for (std::size_t i = 0; i < text.size();) {
        auto byte = static_cast<unsigned char>(text[i]);
        uint32_t cp = byte;
        std::size_t len = 1;
        if (byte >= 0xF0) {
            cp = byte & 0x07u;
            len = 4;
        } else if (byte >= 0xE0) {
            cp = byte & 0x0Fu;
            len = 3;
        } else if (byte >= 0xC0) {
            cp = byte & 0x1Fu;
            len = 2;
        }
        for (std::size_t k = 1; k < len && i + k < text.size(); ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
        }
        i += len;
        ++count;
        largest = std::max(largest, cp);
    }
    return {count, largest};
}

std::optional<int64_t> json_int64(const Json& value) {
    if (value.is_number_unsigned()) {
        auto v = value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
        return static_cast<int64_t>(v);
    }
    if (value.is_number_integer()) return value.get<int64_t>();
    return std::nullopt;
}

/// Writes the Parsing Canonical Form, or with `normalized` the normalized form.
class FormWriter {
  public:
    FormWriter(const AvroSchema& schema, bool normalized)
        : schema_(schema), normalized_(normalized), defined_(schema.nodes().size(), false) {}

    /// False when the schema nests definitions deeper than kAvroMaxSchemaDepth.
    bool write(AvroNodeId id) {
        if (++depth_ > kAvroMaxSchemaDepth) return false;
        bool ok = write_node(id);
        --depth_;
        return ok;
    }

    std::string take() { return std::move(out_); }

  private:
    void quoted(std::string_view text) { out_.append("\"").append(text).append("\""); }

    void string_list(std::string_view key, const std::vector<std::string>& items) {
        out_.append(",\"").append(key).append("\":[");
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i > 0) out_.push_back(',');
            quoted(items[i]);
        }
        out_.push_back(']');
    }

    void logical(const AvroNode& n) {
        if (!normalized_ || n.logical_type.empty()) return;
        out_.append(",\"logicalType\":");
        quoted(n.logical_type);
        if (n.logical_type == "decimal") {
            out_.append(",\"precision\":").append(std::to_string(n.precision));
            out_.append(",\"scale\":").append(std::to_string(n.scale));
        }
    }

    void aliases(const std::vector<std::string>& list) {
        if (normalized_ && !list.empty()) string_list("aliases", list);
    }

    bool write_node(AvroNodeId id) {
        const AvroNode& n = schema_.node(id);
        if (is_primitive(n.type)) {
            if (normalized_ && !n.logical_type.empty()) {
                out_.append("{\"type\":");
                quoted(to_string(n.type));
                logical(n);
                out_.push_back('}');
            } else {
                quoted(to_string(n.type));
            }
            return true;
        }
        switch (n.type) {
            case AvroType::union_: {
                out_.push_back('[');
                for (std::size_t i = 0; i < n.branches.size(); ++i) {
                    if (i > 0) out_.push_back(',');
                    if (!write(n.branches[i])) return false;
                }
                out_.push_back(']');
                return true;
            }
            case AvroType::array:
                out_.append("{\"type\":\"array\",\"items\":");
                if (!write(n.items)) return false;
                out_.push_back('}');
                return true;
            case AvroType::map:
                out_.append("{\"type\":\"map\",\"values\":");
                if (!write(n.values)) return false;
                out_.push_back('}');
                return true;
            default:
                break;
        }
        auto index = static_cast<std::size_t>(id);
        if (defined_[index]) {
            quoted(n.full_name);
            return true;
        }
        defined_[index] = true;
        out_.append("{\"name\":");
        quoted(n.full_name);
        out_.append(",\"type\":");
        quoted(to_string(n.type));
        if (n.type == AvroType::record) {
            out_.append(",\"fields\":[");
            for (std::size_t i = 0; i < n.fields.size(); ++i) {
                const AvroField& f = n.fields[i];
                if (i > 0) out_.push_back(',');
                out_.append("{\"name\":");
                quoted(f.name);
                out_.append(",\"type\":");
                if (!write(f.type)) return false;
                if (normalized_) {
                    if (f.default_json) out_.append(",\"default\":").append(*f.default_json);
                    if (f.order != "ascending") {
                        out_.append(",\"order\":");
                        quoted(f.order);
                    }
                    aliases(f.aliases);
                }
                out_.push_back('}');
            }
            out_.push_back(']');
        } else if (n.type == AvroType::enum_) {
            string_list("symbols", n.symbols);
            if (normalized_ && n.enum_default) {
                out_.append(",\"default\":");
                quoted(*n.enum_default);
            }
        } else {
            out_.append(",\"size\":").append(std::to_string(n.size));
        }
        aliases(n.aliases);
        logical(n);
        out_.push_back('}');
        return true;
    }

    const AvroSchema& schema_;
    bool normalized_;
    std::vector<bool> defined_;
    std::string out_;
    int depth_ = 0;
};

}  // namespace

std::string_view to_string(AvroType type) {
    switch (type) {
        case AvroType::null:
            return "null";
        case AvroType::boolean:
            return "boolean";
        case AvroType::int_:
            return "int";
        case AvroType::long_:
            return "long";
        case AvroType::float_:
            return "float";
        case AvroType::double_:
            return "double";
        case AvroType::bytes:
            return "bytes";
        case AvroType::string:
            return "string";
        case AvroType::record:
            return "record";
        case AvroType::enum_:
            return "enum";
        case AvroType::array:
            return "array";
        case AvroType::map:
            return "map";
        case AvroType::union_:
            return "union";
        case AvroType::fixed:
            return "fixed";
    }
    return "unknown";
}

std::string_view AvroNode::simple_name() const { return simple_part(full_name); }

/// Builds an AvroSchema from a JSON document. Nodes live in a vector that grows while parsing,
/// so nothing here holds a reference to a node across a recursive call.
class AvroParser {
  public:
    explicit AvroParser(AvroSchema& out) : s_(out) {}

    Status import(const std::string& key, const AvroSchema& ref) {
        auto offset = static_cast<AvroNodeId>(s_.nodes_.size());
        for (AvroNode n : ref.nodes_) {
            for (auto& f : n.fields) f.type += offset;
            for (auto& b : n.branches) b += offset;
            if (n.items >= 0) n.items += offset;
            if (n.values >= 0) n.values += offset;
            s_.nodes_.push_back(std::move(n));
        }
        for (const auto& [name, id] : ref.names_) {
            auto [it, inserted] = s_.names_.emplace(name, id + offset);
            if (inserted) continue;
            FormWriter a(s_, false);
            FormWriter b(s_, false);
            if (!a.write(it->second) || !b.write(id + offset) || a.take() != b.take()) {
                return Error(Errc::invalid_schema, "reference " + show_name(key) + " defines " +
                                                       show_name(name) +
                                                       " differently than another reference");
            }
        }
        return ok_status();
    }

    Result<AvroNodeId> parse(const Json& j, const std::string& path, const std::string& ns) {
        if (j.is_string()) return parse_name(j.get_ref<const std::string&>(), path, ns);
        if (j.is_array()) return parse_union(j, path, ns);
        if (!j.is_object()) {
            return invalid(path, std::string("a schema is a JSON string, object or array, not ") +
                                     json_kind(j));
        }
        auto type_it = j.find("type");
        if (type_it == j.end()) return invalid(path, "the schema object has no \"type\"");
        if (!type_it->is_string()) {
            return invalid(path + "/type",
                           std::string("\"type\" must be a string, not ") + json_kind(*type_it));
        }
        const auto& type = type_it->get_ref<const std::string&>();
        AvroNodeId id = -1;
        if (auto primitive = primitive_type(type)) {
            id = add_node(*primitive);
        } else if (type == "record" || type == "error") {
            ES_TRY(id, parse_record(j, path, ns));
        } else if (type == "enum") {
            ES_TRY(id, parse_enum(j, path, ns));
        } else if (type == "fixed") {
            ES_TRY(id, parse_fixed(j, path, ns));
        } else if (type == "array" || type == "map") {
            const char* key = type == "array" ? "items" : "values";
            auto child_it = j.find(key);
            if (child_it == j.end()) {
                return invalid(path, "an " + type + " needs \"" + key + "\"");
            }
            ES_TRY(AvroNodeId child, parse(*child_it, path + "/" + key, ns));
            id = add_node(type == "array" ? AvroType::array : AvroType::map);
            (type == "array" ? node(id).items : node(id).values) = child;
        } else {
            // {"type": "com.acme.User"}: a reference in object form; other attributes ignored.
            return parse_name(type, path + "/type", ns);
        }
        ES_CHECK(optional_string(j, "doc", path));
        apply_logical_type(id, j, path);
        return id;
    }

    Status run(const Json& doc) {
        ES_TRY(s_.root_, parse(doc, "", ""));
        ES_CHECK(check_defaults());
        FormWriter canonical(s_, false);
        FormWriter normalized(s_, true);
        if (!canonical.write(s_.root_) || !normalized.write(s_.root_)) {
            return Error(Errc::invalid_schema, "named types nest deeper than " +
                                                   std::to_string(kAvroMaxSchemaDepth) + " levels");
        }
        s_.canonical_ = canonical.take();
        s_.normalized_ = normalized.take();
        return ok_status();
    }

  private:
    Status check_defaults() {
        for (const auto& p : defaults_) {
            AvroField& field = node(p.record).fields[p.field];
            if (auto why = default_mismatch(field.type, *p.value)) {
                return invalid(p.path, "default value " + show(*p.value) + " " + *why);
            }
            field.default_json = p.value->dump();
        }
        return ok_status();
    }

    struct PendingDefault {
        AvroNodeId record;
        std::size_t field;
        const Json* value;
        std::string path;
    };

    AvroNode& node(AvroNodeId id) { return s_.nodes_[static_cast<std::size_t>(id)]; }

    AvroNodeId add_node(AvroType type) {
        s_.nodes_.emplace_back();
        s_.nodes_.back().type = type;
        return static_cast<AvroNodeId>(s_.nodes_.size() - 1);
    }

    void note(const std::string& path, const std::string& text) {
        s_.notes_.push_back((path.empty() ? "/" : path) + ": " + text);
    }

    static Status optional_string(const Json& j, const char* key, const std::string& path) {
        auto it = j.find(key);
        if (it != j.end() && !it->is_string()) {
            return invalid(path + "/" + key,
                           std::string("\"") + key + "\" must be a string, not " + json_kind(*it));
        }
        return ok_status();
    }

    static std::string string_or_empty(const Json& j, const char* key) {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    }

    Result<AvroNodeId> parse_name(const std::string& name, const std::string& path,
                                  const std::string& ns) {
        if (auto primitive = primitive_type(name)) return add_node(*primitive);
        if (name.find('.') != std::string::npos) {
            if (auto it = s_.names_.find(name); it != s_.names_.end()) return it->second;
            return invalid(path, "undefined name " + show_name(name) +
                                     "; named types must be defined before they are used");
        }
        if (!ns.empty()) {
            if (auto it = s_.names_.find(ns + "." + name); it != s_.names_.end()) {
                return it->second;
            }
        }
        if (auto it = s_.names_.find(name); it != s_.names_.end()) return it->second;
        std::string tried = ns.empty() ? ""
                                       : " (looked up as " + show_name(ns + "." + name) + " and " +
                                             show_name(name) + ")";
        return invalid(path, "undefined name " + show_name(name) + tried +
                                 "; named types must be defined before they are used");
    }

    Result<AvroNodeId> parse_union(const Json& j, const std::string& path, const std::string& ns) {
        std::vector<AvroNodeId> branches;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < j.size(); ++i) {
            std::string branch_path = path + "/" + std::to_string(i);
            ES_TRY(AvroNodeId b, parse(j[i], branch_path, ns));
            const AvroNode& n = node(b);
            if (n.type == AvroType::union_) {
                return invalid(branch_path, "a union may not contain a union directly");
            }
            std::string key = n.is_named() ? n.full_name : std::string(to_string(n.type));
            if (!seen.insert(key).second) {
                return invalid(branch_path, "the union has two branches of " +
                                                std::string(n.is_named() ? "name " : "type ") +
                                                show_name(key));
            }
            branches.push_back(b);
        }
        AvroNodeId id = add_node(AvroType::union_);
        node(id).branches = std::move(branches);
        return id;
    }

    /// Names the named type defined by `j` and registers it; returns its namespace (the one
    /// its children inherit).
    Result<std::string> define(const Json& j, const std::string& path, const std::string& ns,
                               AvroNodeId id) {
        auto name_it = j.find("name");
        if (name_it == j.end()) {
            return invalid(path,
                           "a " + std::string(to_string(node(id).type)) + " needs a \"name\"");
        }
        if (!name_it->is_string()) {
            return invalid(path + "/name",
                           std::string("\"name\" must be a string, not ") + json_kind(*name_it));
        }
        const auto& name = name_it->get_ref<const std::string&>();
        std::string space = ns;
        if (auto ns_it = j.find("namespace"); ns_it != j.end() && !ns_it->is_null()) {
            if (!ns_it->is_string()) {
                return invalid(path + "/namespace", std::string("\"namespace\" must be a string, "
                                                                "not ") +
                                                        json_kind(*ns_it));
            }
            space = ns_it->get<std::string>();
            if (!space.empty() && !valid_full_name(space)) {
                return invalid(path + "/namespace",
                               "invalid namespace " + show_name(space) +
                                   ": each part must match [A-Za-z_][A-Za-z0-9_]*");
            }
        }
        std::string full = name;
        if (auto dot = name.rfind('.'); dot != std::string::npos) {
            space = name.substr(0, dot);
        } else if (!space.empty()) {
            full = space + "." + name;
        }
        if (!valid_full_name(full)) {
            return invalid(path + "/name",
                           "invalid name " + show_name(name) +
                               ": names match [A-Za-z_][A-Za-z0-9_]*, parts separated by dots");
        }
        if (primitive_type(simple_part(full))) {
            return invalid(path + "/name", "a named type may not be called " +
                                               show_name(simple_part(full)) +
                                               ", which is a primitive type");
        }
        if (s_.names_.count(full)) {
            return invalid(path + "/name", "the name " + show_name(full) + " is already defined");
        }
        ES_TRY(auto aliases, parse_aliases(j, path, space, true));
        ES_CHECK(optional_string(j, "doc", path));
        AvroNode& n = node(id);
        n.full_name = full;
        n.aliases = std::move(aliases);
        n.doc = string_or_empty(j, "doc");
        s_.names_.emplace(std::move(full), id);
        return space;
    }

    static Result<std::vector<std::string>> parse_aliases(const Json& j, const std::string& path,
                                                          const std::string& space, bool named) {
        std::vector<std::string> out;
        auto it = j.find("aliases");
        if (it == j.end()) return out;
        if (!it->is_array()) return invalid(path + "/aliases", "\"aliases\" must be an array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const Json& a = (*it)[i];
            std::string a_path = path + "/aliases/" + std::to_string(i);
            if (!a.is_string()) return invalid(a_path, "an alias must be a string");
            const auto& text = a.get_ref<const std::string&>();
            if (named ? !valid_full_name(text) : !valid_name(text)) {
                return invalid(a_path, "invalid alias " + show_name(text));
            }
            if (named && text.find('.') == std::string::npos && !space.empty()) {
                out.push_back(space + "." + text);
            } else {
                out.push_back(text);
            }
        }
        return out;
    }

    Result<AvroNodeId> parse_record(const Json& j, const std::string& path, const std::string& ns) {
        AvroNodeId id = add_node(AvroType::record);
        // Registered before the fields, so that they may refer to the record itself.
        ES_TRY(std::string space, define(j, path, ns, id));
        auto fields_it = j.find("fields");
        if (fields_it == j.end()) return invalid(path, "a record needs \"fields\"");
        if (!fields_it->is_array()) return invalid(path + "/fields", "\"fields\" must be an array");
        std::set<std::string> names;
        for (std::size_t i = 0; i < fields_it->size(); ++i) {
            const Json& fj = (*fields_it)[i];
            std::string f_path = path + "/fields/" + std::to_string(i);
            if (!fj.is_object()) return invalid(f_path, "a field must be a JSON object");
            auto name_it = fj.find("name");
            if (name_it == fj.end() || !name_it->is_string()) {
                return invalid(f_path, "a field needs a string \"name\"");
            }
            AvroField field;
            field.name = name_it->get<std::string>();
            if (!valid_name(field.name)) {
                return invalid(f_path + "/name", "invalid field name " + show_name(field.name) +
                                                     ": names match [A-Za-z_][A-Za-z0-9_]*");
            }
            if (!names.insert(field.name).second) {
                return invalid(f_path + "/name", "duplicate field name " + show_name(field.name));
            }
            auto type_it = fj.find("type");
            if (type_it == fj.end()) return invalid(f_path, "a field needs a \"type\"");
            ES_TRY(field.type, parse(*type_it, f_path + "/type", space));
            ES_TRY(field.aliases, parse_aliases(fj, f_path, space, false));
            ES_CHECK(optional_string(fj, "doc", f_path));
            field.doc = string_or_empty(fj, "doc");
            if (auto order_it = fj.find("order"); order_it != fj.end()) {
                if (!order_it->is_string() ||
                    (*order_it != "ascending" && *order_it != "descending" &&
                     *order_it != "ignore")) {
                    return invalid(f_path + "/order",
                                   "\"order\" must be \"ascending\", \"descending\" or \"ignore\"");
                }
                field.order = order_it->get<std::string>();
            }
            if (auto default_it = fj.find("default"); default_it != fj.end()) {
                // Checked once the whole schema is known: the type may be this very record.
                defaults_.push_back({id, i, &*default_it, f_path + "/default"});
            }
            node(id).fields.push_back(std::move(field));
        }
        return id;
    }

    Result<AvroNodeId> parse_enum(const Json& j, const std::string& path, const std::string& ns) {
        auto symbols_it = j.find("symbols");
        if (symbols_it == j.end()) return invalid(path, "an enum needs \"symbols\"");
        if (!symbols_it->is_array()) {
            return invalid(path + "/symbols", "\"symbols\" must be an array");
        }
        std::vector<std::string> symbols;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < symbols_it->size(); ++i) {
            const Json& sj = (*symbols_it)[i];
            std::string s_path = path + "/symbols/" + std::to_string(i);
            if (!sj.is_string()) return invalid(s_path, "a symbol must be a string");
            const auto& symbol = sj.get_ref<const std::string&>();
            if (!valid_name(symbol)) {
                return invalid(s_path, "invalid symbol " + show_name(symbol) +
                                           ": symbols match [A-Za-z_][A-Za-z0-9_]*");
            }
            if (!seen.insert(symbol).second) {
                return invalid(s_path, "duplicate symbol " + show_name(symbol));
            }
            symbols.push_back(symbol);
        }
        std::optional<std::string> enum_default;
        if (auto default_it = j.find("default"); default_it != j.end()) {
            if (!default_it->is_string() || !seen.count(default_it->get<std::string>())) {
                return invalid(path + "/default", "the enum default " + show(*default_it) +
                                                      " is not one of the symbols");
            }
            enum_default = default_it->get<std::string>();
        }
        AvroNodeId id = add_node(AvroType::enum_);
        ES_CHECK(define(j, path, ns, id));
        node(id).symbols = std::move(symbols);
        node(id).enum_default = std::move(enum_default);
        return id;
    }

    Result<AvroNodeId> parse_fixed(const Json& j, const std::string& path, const std::string& ns) {
        auto size_it = j.find("size");
        if (size_it == j.end()) return invalid(path, "a fixed needs a \"size\"");
        auto size = json_int64(*size_it);
        if (!size || *size < 0 || *size > std::numeric_limits<int32_t>::max()) {
            return invalid(
                path + "/size",
                "\"size\" must be an integer from 0 to 2147483647, not " + show(*size_it));
        }
        AvroNodeId id = add_node(AvroType::fixed);
        ES_CHECK(define(j, path, ns, id));
        node(id).size = *size;
        return id;
    }

    /// Invalid logical types are ignored, as the specification says; notes() records why.
    void apply_logical_type(AvroNodeId id, const Json& j, const std::string& path) {
        auto it = j.find("logicalType");
        if (it == j.end()) return;
        std::string at = path + "/logicalType";
        if (!it->is_string()) {
            note(at, "logicalType is not a string; ignored");
            return;
        }
        const auto& name = it->get_ref<const std::string&>();
        AvroNode& n = node(id);
        auto ignore = [&](const std::string& why) {
            note(at, "logical type " + show_name(name) + " ignored: " + why);
        };
        std::string_view type = to_string(n.type);
        auto on = [&](std::initializer_list<AvroType> allowed) {
            for (AvroType t : allowed) {
                if (t == n.type) return true;
            }
            ignore("not defined on " + std::string(type));
            return false;
        };
        if (name == "decimal") {
            if (!on({AvroType::bytes, AvroType::fixed})) return;
            auto precision = j.contains("precision") ? json_int64(j["precision"]) : std::nullopt;
            if (!precision || *precision <= 0 || *precision > std::numeric_limits<int32_t>::max()) {
                ignore("precision must be a positive integer");
                return;
            }
            int64_t scale = 0;
            if (j.contains("scale")) {
                auto s = json_int64(j["scale"]);
                if (!s || *s < 0) {
                    ignore("scale must be a non-negative integer");
                    return;
                }
                scale = *s;
            }
            if (scale > *precision) {
                ignore("scale " + std::to_string(scale) + " is greater than precision " +
                       std::to_string(*precision));
                return;
            }
            if (n.type == AvroType::fixed) {
                // Digits a two's complement number of size bytes always holds:
                // floor(log10(2^(8 * size - 1) - 1)).
                long double bits = 8.0L * static_cast<long double>(n.size) - 1.0L;
                auto max_digits =
                    n.size == 0 ? 0 : static_cast<int64_t>(std::floor(bits * std::log10(2.0L)));
                if (*precision > max_digits) {
                    ignore("precision " + std::to_string(*precision) + " does not fit in fixed " +
                           "of size " + std::to_string(n.size) + " (at most " +
                           std::to_string(max_digits) + " digits)");
                    return;
                }
            }
            n.precision = static_cast<int32_t>(*precision);
            n.scale = static_cast<int32_t>(scale);
        } else if (name == "uuid") {
            if (!on({AvroType::string, AvroType::fixed})) return;
            if (n.type == AvroType::fixed && n.size != 16) {
                ignore("uuid on fixed needs size 16");
                return;
            }
        } else if (name == "date" || name == "time-millis") {
            if (!on({AvroType::int_})) return;
        } else if (name == "time-micros" || name == "timestamp-millis" ||
                   name == "timestamp-micros" || name == "timestamp-nanos" ||
                   name == "local-timestamp-millis" || name == "local-timestamp-micros" ||
                   name == "local-timestamp-nanos") {
            if (!on({AvroType::long_})) return;
        } else if (name == "duration") {
            if (!on({AvroType::fixed})) return;
            if (n.size != 12) {
                ignore("duration needs fixed of size 12");
                return;
            }
        } else {
            ignore("unknown logical type");
            return;
        }
        node(id).logical_type = name;
    }

    /// Why `value` is not a valid default for type `id`, or nothing when it is.
    std::optional<std::string> default_mismatch(AvroNodeId id, const Json& value) {
        const AvroNode& n = node(id);
        auto expect = [&](bool ok, const char* what) -> std::optional<std::string> {
            if (ok) return std::nullopt;
            return "does not match type " + std::string(to_string(n.type)) + " (expected " + what +
                   ")";
        };
        switch (n.type) {
            case AvroType::null:
                return expect(value.is_null(), "null");
            case AvroType::boolean:
                return expect(value.is_boolean(), "true or false");
            case AvroType::int_: {
                auto v = json_int64(value);
                return expect(v && *v >= std::numeric_limits<int32_t>::min() &&
                                  *v <= std::numeric_limits<int32_t>::max(),
                              "an integer in the 32-bit range");
            }
            case AvroType::long_:
                return expect(json_int64(value).has_value(), "an integer in the 64-bit range");
            case AvroType::float_:
            case AvroType::double_:
                return expect(value.is_number(), "a number");
            case AvroType::string:
                return expect(value.is_string(), "a string");
            case AvroType::bytes:
            case AvroType::fixed: {
                const char* what = n.type == AvroType::bytes
                                       ? "a string of code points 0-255, one per byte"
                                       : "a string of code points 0-255, one per byte, as long as "
                                         "the size";
                if (!value.is_string()) return expect(false, what);
                auto [count, largest] = code_points(value.get_ref<const std::string&>());
                bool size_ok = n.type == AvroType::bytes || static_cast<int64_t>(count) == n.size;
                return expect(largest <= 255 && size_ok, what);
            }
            case AvroType::enum_: {
                bool ok = value.is_string();
                if (ok) {
                    const auto& text = value.get_ref<const std::string&>();
                    ok = std::find(n.symbols.begin(), n.symbols.end(), text) != n.symbols.end();
                }
                return expect(ok, "one of the enum's symbols");
            }
            case AvroType::array: {
                if (!value.is_array()) return expect(false, "an array");
                AvroNodeId items = n.items;
                for (const Json& item : value) {
                    if (auto why = default_mismatch(items, item)) return "has an item that " + *why;
                }
                return std::nullopt;
            }
            case AvroType::map: {
                if (!value.is_object()) return expect(false, "an object");
                AvroNodeId values = n.values;
                for (const auto& [key, item] : value.items()) {
                    if (auto why = default_mismatch(values, item)) {
                        return "has a value at key " + show_name(key) + " that " + *why;
                    }
                }
                return std::nullopt;
            }
            case AvroType::union_: {
                if (n.branches.empty()) return "is impossible: the union is empty";
                AvroNodeId first = n.branches.front();
                if (auto why = default_mismatch(first, value)) {
                    return *why + "; a union's default must match its first branch";
                }
                return std::nullopt;
            }
            case AvroType::record: {
                if (!value.is_object()) return expect(false, "an object");
                for (std::size_t i = 0; i < n.fields.size(); ++i) {
                    const AvroField& f = n.fields[i];
                    auto it = value.find(f.name);
                    if (it != value.end()) {
                        if (auto why = default_mismatch(f.type, *it)) {
                            return "has field " + show_name(f.name) + " that " + *why;
                        }
                        continue;
                    }
                    // Imported types (references) carry checked defaults already.
                    bool has_default = f.default_json.has_value() ||
                                       std::any_of(defaults_.begin(), defaults_.end(),
                                                   [&](const PendingDefault& p) {
                                                       return p.record == id && p.field == i;
                                                   });
                    if (!has_default) {
                        return "lacks field " + show_name(f.name) + " of record " +
                               show_name(n.full_name) + ", which has no default";
                    }
                }
                return std::nullopt;
            }
        }
        return "has an unknown type";
    }

    AvroSchema& s_;
    std::vector<PendingDefault> defaults_;
};

Result<AvroSchema> parse_avro(std::string_view json, const AvroReferences& references) {
    ES_CHECK(check_json_depth(json, kAvroMaxJsonDepth));
    Json doc;
    try {
        doc = Json::parse(json.begin(), json.end());
    } catch (const Json::exception& e) {
        return Error(Errc::invalid_json, e.what());
    }
    AvroSchema schema;
    AvroParser parser(schema);
    for (const auto& [key, ref] : references) ES_CHECK(parser.import(key, ref));
    ES_CHECK(parser.run(doc));
    return schema;
}

std::string canonical_form(const AvroSchema& schema) { return schema.canonical_form(); }

std::string normalized_form(const AvroSchema& schema) { return schema.normalized_form(); }

}  // namespace es::registry::compat
