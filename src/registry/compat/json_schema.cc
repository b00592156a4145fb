// JSON Schema parsing: keyword validation, $ref resolution and the canonical form. The
// compatibility check is in json_schema_compat.cc.

#include "registry/compat/json_schema.h"

#include "registry/compat/errc.h"
#include "registry/compat/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace es::registry::compat {

using Json = nlohmann::json;

namespace {

constexpr std::pair<std::string_view, JsonType> kTypes[] = {
    {"null", JsonType::null},     {"boolean", JsonType::boolean}, {"object", JsonType::object},
    {"array", JsonType::array},   {"number", JsonType::number},   {"integer", JsonType::integer},
    {"string", JsonType::string},
};

std::string show(const Json& value) {
    std::string text = value.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

void write_canonical(const Json& value, std::string& out) {
    switch (value.type()) {
        case Json::value_t::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, child] : value.items()) {  // std::map: sorted keys
                if (!first) out.push_back(',');
                first = false;
                out += Json(key).dump();
                out.push_back(':');
                write_canonical(child, out);
            }
            out.push_back('}');
            return;
        }
        case Json::value_t::array: {
            out.push_back('[');
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (i > 0) out.push_back(',');
                write_canonical(value[i], out);
            }
            out.push_back(']');
            return;
        }
        case Json::value_t::number_float: {
            double d = value.get<double>();
            if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
                out += std::to_string(static_cast<int64_t>(d));
                return;
            }
            out += value.dump();
            return;
        }
        default:
            out += value.dump();
            return;
    }
}

std::string canonical_text(const Json& value) {
    std::string out;
    write_canonical(value, out);
    return out;
}

/// A draft-6+ non-negative integer (1.0 counts), as a double.
std::optional<double> non_negative_integer(const Json& value) {
    if (!value.is_number()) return std::nullopt;
    double d = value.get<double>();
    if (d < 0 || std::trunc(d) != d) return std::nullopt;
    return d;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// URI fragments may percent-encode characters of the pointer.
std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

}  // namespace

std::string_view to_string(JsonType type) {
    for (const auto& [text, t] : kTypes) {
        if (t == type) return text;
    }
    return "?";
}

/// Parses documents into the node arena of one JsonSchema. Children inside one document are
/// parsed recursively (bounded by kJsonSchemaMaxJsonDepth); $ref targets go through a work
/// list, so chains of references never deepen the stack.
class JsonSchemaParser {
  public:
    JsonSchemaParser(JsonSchema& schema, const JsonSchemaReferences& refs)
        : s_(schema), refs_(refs) {}

    Status run(Json doc) {
        s_.canonical_ = canonical_text(doc);
        add_document("", std::move(doc), s_.canonical_);
        ES_TRY(s_.root_, parse_document(0));
        while (!pending_.empty()) {
            PendingRef p = std::move(pending_.back());
            pending_.pop_back();
            ES_TRY(JsonNodeId target, resolve(p));
            s_.nodes_[static_cast<std::size_t>(p.node)].ref = target;
        }
        return check_ref_cycles();
    }

  private:
    struct Document {
        std::string name;
        Json json;
        std::string base_id;                         // the root's $id (or draft-4 id)
        std::map<std::string, std::string> anchors;  // $anchor / "#name" $id -> pointer
        JsonNodeId root = -1;
    };

    struct PendingRef {
        JsonNodeId node;
        int32_t document;
        std::string ref;
        std::string pointer;
    };

    int32_t add_document(std::string name, Json json, std::string text) {
        Document d;
        d.name = std::move(name);
        d.json = std::move(json);
        if (d.json.is_object()) {
            for (const char* key : {"$id", "id"}) {
                auto it = d.json.find(key);
                if (it != d.json.end() && it->is_string()) {
                    d.base_id = it->get<std::string>();
                    break;
                }
            }
        }
        auto index = static_cast<int32_t>(docs_.size());
        doc_by_name_.emplace(d.name, index);
        if (!d.base_id.empty()) doc_by_name_.emplace(strip_fragment(d.base_id), index);
        s_.document_names_.push_back(d.name);
        s_.documents_.push_back(std::move(text));
        docs_.push_back(std::move(d));
        return index;
    }

    static std::string strip_fragment(const std::string& uri) {
        auto hash = uri.find('#');
        return hash == std::string::npos ? uri : uri.substr(0, hash);
    }

    Error invalid(int32_t doc, std::string_view pointer, std::string_view message) const {
        std::string text;
        if (doc != 0) text = "in reference '" + docs_[static_cast<std::size_t>(doc)].name + "' ";
        text.append("at ").append(pointer.empty() ? "/" : pointer).append(": ").append(message);
        return Error(Errc::invalid_schema, std::move(text));
    }

    Result<JsonNodeId> parse_document(int32_t doc) {
        auto& d = docs_[static_cast<std::size_t>(doc)];
        if (d.root >= 0) return d.root;
        ES_TRY(JsonNodeId root, parse_node(doc, d.json, ""));
        docs_[static_cast<std::size_t>(doc)].root = root;
        return root;
    }

    Result<JsonNodeId> parse_node(int32_t doc, const Json& value, const std::string& pointer) {
        auto key = std::make_pair(doc, pointer);
        if (auto it = by_pointer_.find(key); it != by_pointer_.end()) return it->second;
        if (!value.is_object() && !value.is_boolean()) {
            return invalid(
                doc, pointer,
                std::string("a schema is an object or a boolean, not ") + json_kind(value));
        }
        auto id = static_cast<JsonNodeId>(s_.nodes_.size());
        s_.nodes_.emplace_back();
        by_pointer_.emplace(key, id);
        JsonSchemaNode n;
        n.document = doc;
        n.pointer = pointer;
        if (value.is_boolean()) {
            n.is_false = !value.get<bool>();
        } else {
            ES_CHECK(parse_keywords(doc, value, pointer, n));
        }
        s_.nodes_[static_cast<std::size_t>(id)] = std::move(n);
        return id;
    }

    Result<JsonNodeId> child(int32_t doc, const Json& value, const std::string& pointer) {
        return parse_node(doc, value, pointer);
    }

    /// An object whose every member is a schema: "properties", "definitions", ...
    Status schema_map(int32_t doc, const Json& obj, const std::string& where, const char* keyword,
                      std::vector<std::pair<std::string, JsonNodeId>>* out) {
        auto it = obj.find(keyword);
        if (it == obj.end()) return ok_status();
        std::string path = where + "/" + keyword;
        if (!it->is_object()) {
            return invalid(
                doc, path,
                std::string(keyword) + " must be an object of schemas, not " + json_kind(*it));
        }
        for (const auto& [name, sub] : it->items()) {
            ES_TRY(JsonNodeId c, child(doc, sub, path + "/" + escape_pointer_token(name)));
            if (out != nullptr) out->emplace_back(name, c);
        }
        return ok_status();
    }

    Status schema_list(int32_t doc, const Json& list, const std::string& path, const char* keyword,
                       bool non_empty, std::vector<JsonNodeId>& out) {
        if (!list.is_array()) {
            return invalid(
                doc, path,
                std::string(keyword) + " must be an array of schemas, not " + json_kind(list));
        }
        if (non_empty && list.empty()) {
            return invalid(doc, path, std::string(keyword) + " must not be empty");
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            ES_TRY(JsonNodeId c, child(doc, list[i], path + "/" + std::to_string(i)));
            out.push_back(c);
        }
        return ok_status();
    }

    Status combinator(int32_t doc, const Json& obj, const std::string& where, const char* keyword,
                      std::vector<JsonSubschema>& out) {
        auto it = obj.find(keyword);
        if (it == obj.end()) return ok_status();
        std::vector<JsonNodeId> ids;
        ES_CHECK(schema_list(doc, *it, where + "/" + keyword, keyword, true, ids));
        std::set<std::string> seen;  // identical subschemas count once, as Confluent's sets do
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (seen.insert(canonical_text((*it)[i])).second) out.push_back({i, ids[i]});
        }
        return ok_status();
    }

    Result<std::optional<double>> number(int32_t doc, const Json& obj, const std::string& where,
                                         const char* keyword) {
        auto it = obj.find(keyword);
        if (it == obj.end()) return std::optional<double>();
        if (!it->is_number()) {
            return invalid(doc, where + "/" + keyword,
                           std::string(keyword) + " must be a number, not " + json_kind(*it));
        }
        return std::optional<double>(it->get<double>());
    }

    Result<std::optional<double>> count(int32_t doc, const Json& obj, const std::string& where,
                                        const char* keyword) {
        auto it = obj.find(keyword);
        if (it == obj.end()) return std::optional<double>();
        auto v = non_negative_integer(*it);
        if (!v) {
            return invalid(
                doc, where + "/" + keyword,
                std::string(keyword) + " must be a non-negative integer, not " + show(*it));
        }
        return v;
    }

    Result<std::vector<std::string>> string_set(int32_t doc, const Json& value,
                                                const std::string& path, const char* what) {
        if (!value.is_array()) {
            return invalid(
                doc, path,
                std::string(what) + " must be an array of strings, not " + json_kind(value));
        }
        std::vector<std::string> out;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (!value[i].is_string()) {
                return invalid(
                    doc, path + "/" + std::to_string(i),
                    std::string(what) + " must hold strings, not " + json_kind(value[i]));
            }
            auto s = value[i].get<std::string>();
            if (!seen.insert(s).second) {
                return invalid(doc, path + "/" + std::to_string(i),
                               std::string(what) + " lists '" + s + "' twice");
            }
            out.push_back(std::move(s));
        }
        return out;
    }

    Status parse_keywords(int32_t doc, const Json& obj, const std::string& where,
                          JsonSchemaNode& n) {
        auto path = [&](const char* k) { return where + "/" + k; };
        auto find = [&](const char* k) -> const Json* {
            auto it = obj.find(k);
            return it == obj.end() ? nullptr : &*it;
        };
        for (const char* k :
             {"$id", "$schema", "$anchor", "$comment", "title", "description", "format", "$ref"}) {
            const Json* v = find(k);
            if (v != nullptr && !v->is_string()) {
                return invalid(doc, path(k),
                               std::string(k) + " must be a string, not " + json_kind(*v));
            }
        }
        if (const Json* v = find("$schema"); v != nullptr && where.empty() && doc == 0) {
            auto text = v->get<std::string>();
            static const char* known[] = {"draft-04", "draft-06", "draft-07", "2019-09", "2020-12"};
            bool ok = std::any_of(std::begin(known), std::end(known),
                                  [&](const char* k) { return text.find(k) != std::string::npos; });
            if (!ok) {
                s_.notes_.push_back("at /$schema: unknown meta-schema '" + text +
                                    "', read as draft-07");
            }
        }
        if (const Json* v = find("$anchor")) {
            docs_[static_cast<std::size_t>(doc)].anchors.emplace(v->get<std::string>(), where);
        }
        if (const Json* v = find("$id"); v != nullptr && !where.empty()) {
            auto id = v->get<std::string>();
            if (id.size() > 1 && id[0] == '#') {
                docs_[static_cast<std::size_t>(doc)].anchors.emplace(id.substr(1), where);
            }
        }
        if (const Json* v = find("$ref")) {
            n.ref_text = v->get<std::string>();
            pending_.push_back({static_cast<JsonNodeId>(by_pointer_.at({doc, where})), doc,
                                n.ref_text, where + "/$ref"});
        }
        n.has_default = find("default") != nullptr;
        if (const Json* v = find("examples"); v != nullptr && !v->is_array()) {
            return invalid(doc, path("examples"),
                           std::string("examples must be an array, not ") + json_kind(*v));
        }

        // type
        if (const Json* v = find("type")) {
            n.has_type = true;
            auto add = [&](const Json& name, const std::string& p) -> Status {
                if (!name.is_string()) {
                    return invalid(doc, p,
                                   std::string("a type name is a string, not ") + json_kind(name));
                }
                auto text = name.get<std::string>();
                for (const auto& [t, type] : kTypes) {
                    if (t == text) {
                        if ((n.types & json_type_bit(type)) != 0) {
                            return invalid(doc, p, "type '" + text + "' is listed twice");
                        }
                        n.types |= json_type_bit(type);
                        return ok_status();
                    }
                }
                return invalid(doc, p,
                               "unknown type '" + text +
                                   "' (expected null, boolean, object, array, number, integer or "
                                   "string)");
            };
            if (v->is_array()) {
                if (v->empty())
                    return invalid(doc, path("type"), "type must not be an empty array");
                for (std::size_t i = 0; i < v->size(); ++i) {
                    ES_CHECK(add((*v)[i], path("type") + "/" + std::to_string(i)));
                }
            } else if (v->is_string()) {
                ES_CHECK(add(*v, path("type")));
            } else {
                return invalid(doc, path("type"),
                               std::string("type must be a string or an array of strings, not ") +
                                   json_kind(*v));
            }
        }

        // enum, const
        if (const Json* v = find("enum")) {
            if (!v->is_array()) {
                return invalid(doc, path("enum"),
                               std::string("enum must be an array, not ") + json_kind(*v));
            }
            std::vector<std::string> values;
            std::set<std::string> seen;
            for (const auto& e : *v) {
                auto text = canonical_text(e);
                if (seen.insert(text).second) values.push_back(std::move(text));
            }
            n.enum_values = std::move(values);
        }
        if (const Json* v = find("const")) n.const_value = canonical_text(*v);

        // strings
        ES_TRY(n.min_length, count(doc, obj, where, "minLength"));
        ES_TRY(n.max_length, count(doc, obj, where, "maxLength"));
        if (const Json* v = find("pattern")) {
            if (!v->is_string()) {
                return invalid(doc, path("pattern"),
                               std::string("pattern must be a string, not ") + json_kind(*v));
            }
            n.pattern = v->get<std::string>();
        }

        // numbers
        ES_TRY(n.minimum, number(doc, obj, where, "minimum"));
        ES_TRY(n.maximum, number(doc, obj, where, "maximum"));
        ES_TRY(n.multiple_of, number(doc, obj, where, "multipleOf"));
        if (n.multiple_of && !(*n.multiple_of > 0)) {
            return invalid(doc, path("multipleOf"), "multipleOf must be greater than 0");
        }
        for (const char* k : {"exclusiveMinimum", "exclusiveMaximum"}) {
            const Json* v = find(k);
            if (v == nullptr) continue;
            bool is_max = std::string_view(k) == "exclusiveMaximum";
            auto& limit = is_max ? n.exclusive_maximum : n.exclusive_minimum;
            auto& bound = is_max ? n.maximum : n.minimum;
            if (v->is_boolean()) {  // draft-04: turns maximum/minimum into an exclusive limit
                if (v->get<bool>() && bound) {
                    limit = bound;
                    bound.reset();
                }
            } else if (v->is_number()) {
                limit = v->get<double>();
            } else {
                return invalid(doc, path(k),
                               std::string(k) + " must be a number, not " + json_kind(*v));
            }
        }

        // objects
        ES_CHECK(schema_map(doc, obj, where, "properties", &n.properties));
        std::sort(n.properties.begin(), n.properties.end());
        ES_CHECK(schema_map(doc, obj, where, "patternProperties", &n.pattern_properties));
        if (const Json* v = find("required")) {
            ES_TRY(n.required, string_set(doc, *v, path("required"), "required"));
        }
        if (const Json* v = find("additionalProperties")) {
            ES_TRY(n.additional_properties, child(doc, *v, path("additionalProperties")));
        }
        ES_TRY(n.min_properties, count(doc, obj, where, "minProperties"));
        ES_TRY(n.max_properties, count(doc, obj, where, "maxProperties"));
        for (const char* k : {"dependencies", "dependentRequired", "dependentSchemas"}) {
            const Json* v = find(k);
            if (v == nullptr) continue;
            if (!v->is_object()) {
                return invalid(doc, path(k),
                               std::string(k) + " must be an object, not " + json_kind(*v));
            }
            std::string kw = k;
            for (const auto& [name, dep] : v->items()) {
                std::string p = path(k) + "/" + escape_pointer_token(name);
                if (dep.is_array() && kw != "dependentSchemas") {
                    ES_TRY(auto names, string_set(doc, dep, p, k));
                    std::sort(names.begin(), names.end());
                    n.dependency_arrays[name] = {kw, std::move(names)};
                } else if (kw != "dependentRequired") {
                    ES_TRY(JsonNodeId c, child(doc, dep, p));
                    n.dependency_schemas[name] = {kw, c};
                } else {
                    return invalid(doc, p,
                                   std::string("dependentRequired values are arrays of strings, "
                                               "not ") +
                                       json_kind(dep));
                }
            }
        }
        if (const Json* v = find("propertyNames")) ES_CHECK(child(doc, *v, path("propertyNames")));

        // arrays
        const Json* items = find("items");
        const Json* prefix = find("prefixItems");
        if (prefix != nullptr) {
            ES_CHECK(schema_list(doc, *prefix, path("prefixItems"), "prefixItems", false, n.tuple));
            n.tuple_keyword = "prefixItems";
            if (items != nullptr) {
                if (items->is_array()) {
                    return invalid(doc, path("items"),
                                   "items must be a schema when prefixItems is present");
                }
                ES_TRY(n.additional_items, child(doc, *items, path("items")));
                n.additional_items_keyword = "items";
            }
        } else if (items != nullptr && items->is_array()) {
            ES_CHECK(schema_list(doc, *items, path("items"), "items", false, n.tuple));
            n.tuple_keyword = "items";
        } else if (items != nullptr) {
            ES_TRY(n.items, child(doc, *items, path("items")));
        }
        if (const Json* v = find("additionalItems")) {
            ES_TRY(JsonNodeId c, child(doc, *v, path("additionalItems")));
            if (prefix == nullptr && !n.tuple_keyword.empty()) {
                n.additional_items = c;  // meaningful only after an items array
                n.additional_items_keyword = "additionalItems";
            }
        }
        ES_TRY(n.min_items, count(doc, obj, where, "minItems"));
        ES_TRY(n.max_items, count(doc, obj, where, "maxItems"));
        ES_TRY(auto min_contains, count(doc, obj, where, "minContains"));
        ES_TRY(auto max_contains, count(doc, obj, where, "maxContains"));
        (void)min_contains;
        (void)max_contains;
        if (const Json* v = find("uniqueItems")) {
            if (!v->is_boolean()) {
                return invalid(doc, path("uniqueItems"),
                               std::string("uniqueItems must be a boolean, not ") + json_kind(*v));
            }
            n.unique_items = v->get<bool>();
        }

        // applicators
        ES_CHECK(combinator(doc, obj, where, "allOf", n.all_of));
        ES_CHECK(combinator(doc, obj, where, "anyOf", n.any_of));
        ES_CHECK(combinator(doc, obj, where, "oneOf", n.one_of));
        if (const Json* v = find("not")) {
            ES_TRY(n.not_, child(doc, *v, path("not")));
        }
        for (const char* k :
             {"contains", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"}) {
            if (const Json* v = find(k)) ES_CHECK(child(doc, *v, path(k)));
        }
        ES_CHECK(schema_map(doc, obj, where, "definitions", nullptr));
        ES_CHECK(schema_map(doc, obj, where, "$defs", nullptr));
        return ok_status();
    }

    /// The document a $ref names before '#', importing a reference when first used.
    Result<int32_t> find_document(const PendingRef& p, const std::string& name) {
        std::vector<std::string> candidates{name};
        const auto& base = docs_[static_cast<std::size_t>(p.document)].base_id;
        auto slash = base.rfind('/');
        if (slash != std::string::npos && name.find("://") == std::string::npos) {
            candidates.push_back(base.substr(0, slash + 1) + name);
        }
        for (const auto& c : candidates) {
            if (auto it = doc_by_name_.find(c); it != doc_by_name_.end()) return it->second;
        }
        const JsonSchema* found = nullptr;
        std::string found_name;
        for (const auto& c : candidates) {
            if (auto it = refs_.find(c); it != refs_.end()) {
                found = &it->second;
                found_name = c;
                break;
            }
        }
        if (found == nullptr) {
            for (const auto& [ref_name, ref] : refs_) {
                auto doc = Json::parse(ref.documents_.at(0));
                auto id = doc.is_object() ? doc.value("$id", doc.value("id", std::string()))
                                          : std::string();
                if (!id.empty() && std::find(candidates.begin(), candidates.end(),
                                             strip_fragment(id)) != candidates.end()) {
                    found = &ref;
                    found_name = ref_name;
                    break;
                }
            }
        }
        if (found == nullptr) {
            return invalid(
                p.document, p.pointer,
                "unresolvable $ref '" + p.ref + "': no schema reference named '" + name + "'");
        }
        // Bring in the reference and, under their own names, the references it used.
        int32_t index = -1;
        for (std::size_t i = 0; i < found->documents_.size(); ++i) {
            std::string doc_name = i == 0 ? found_name : found->document_names_[i];
            if (auto it = doc_by_name_.find(doc_name); it != doc_by_name_.end()) {
                if (s_.documents_[static_cast<std::size_t>(it->second)] != found->documents_[i]) {
                    return invalid(p.document, p.pointer,
                                   "two different schemas are both named '" + doc_name + "'");
                }
                if (i == 0) index = it->second;
                continue;
            }
            int32_t added =
                add_document(doc_name, Json::parse(found->documents_[i]), found->documents_[i]);
            if (i == 0) index = added;
        }
        return index;
    }

    Result<JsonNodeId> resolve(const PendingRef& p) {
        auto hash = p.ref.find('#');
        std::string name = hash == std::string::npos ? p.ref : p.ref.substr(0, hash);
        std::string fragment = hash == std::string::npos ? "" : p.ref.substr(hash + 1);
        int32_t doc = p.document;
        if (!name.empty()) {
            ES_TRY(doc, find_document(p, name));
        }
        ES_TRY(JsonNodeId root, parse_document(doc));  // also collects the anchors
        if (fragment.empty()) return root;
        auto decoded = percent_decode(fragment);
        if (!decoded)
            return invalid(p.document, p.pointer, "bad percent-encoding in $ref '" + p.ref + "'");
        const Document& d = docs_[static_cast<std::size_t>(doc)];
        if ((*decoded)[0] != '/') {
            auto it = d.anchors.find(*decoded);
            if (it == d.anchors.end()) {
                return invalid(p.document, p.pointer,
                               "unresolvable $ref '" + p.ref + "': no anchor '" + *decoded + "'");
            }
            return by_pointer_.at({doc, it->second});
        }
        std::vector<std::string> tokens;
        std::size_t start = 1;
        while (true) {
            std::size_t slash = decoded->find('/', start);
            std::string raw = decoded->substr(
                start, slash == std::string::npos ? std::string::npos : slash - start);
            std::string token;
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (raw[i] != '~') {
                    token.push_back(raw[i]);
                } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
                    token.push_back(raw[i + 1] == '0' ? '~' : '/');
                    ++i;
                } else {
                    return invalid(p.document, p.pointer,
                                   "bad JSON pointer escape in $ref '" + p.ref +
                                       "' (~ must be followed by 0 or 1)");
                }
            }
            tokens.push_back(std::move(token));
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        const Json* at = &d.json;
        std::string pointer;
        for (const auto& token : tokens) {
            if (at->is_object() && at->contains(token)) {
                at = &(*at)[token];
            } else if (at->is_array() && !token.empty() && token.size() < 10 &&
                       token.find_first_not_of("0123456789") == std::string::npos &&
                       std::stoul(token) < at->size()) {
                at = &(*at)[std::stoul(token)];
            } else {
                return invalid(p.document, p.pointer,
                               "unresolvable $ref '" + p.ref + "': nothing at '" + pointer + "/" +
                                   escape_pointer_token(token) + "'");
            }
            pointer += "/" + escape_pointer_token(token);
        }
        if (!at->is_object() && !at->is_boolean()) {
            return invalid(
                p.document, p.pointer,
                "$ref '" + p.ref + "' points at " + json_kind(*at) + ", not at a schema");
        }
        return parse_node(doc, *at, pointer);
    }

    /// A chain of $refs that comes back to itself never reaches a schema.
    Status check_ref_cycles() {
        const auto& nodes = s_.nodes_;
        std::vector<int8_t> state(nodes.size(), 0);  // 0 new, 1 on the current chain, 2 done
        for (std::size_t start = 0; start < nodes.size(); ++start) {
            std::vector<std::size_t> chain;
            std::size_t cur = start;
            while (state[cur] == 0 && nodes[cur].ref >= 0) {
                state[cur] = 1;
                chain.push_back(cur);
                cur = static_cast<std::size_t>(nodes[cur].ref);
            }
            if (state[cur] == 1) {
                const auto& n = nodes[cur];
                std::string names;
                for (std::size_t i : chain) names += "'" + nodes[i].ref_text + "' -> ";
                names += "'" + n.ref_text + "'";
                return invalid(n.document, n.pointer + "/$ref",
                               "$ref cycle that never reaches a schema: " + names);
            }
            for (std::size_t i : chain) state[i] = 2;
            state[start] = 2;
        }
        return ok_status();
    }

    JsonSchema& s_;
    const JsonSchemaReferences& refs_;
    std::vector<Document> docs_;
    std::map<std::string, int32_t> doc_by_name_;
    std::map<std::pair<int32_t, std::string>, JsonNodeId> by_pointer_;
    std::vector<PendingRef> pending_;
};

Result<JsonSchema> parse_json_schema(std::string_view text, const JsonSchemaReferences& refs) {
    ES_CHECK(check_json_depth(text, kJsonSchemaMaxJsonDepth));
    Json doc;
    try {
        doc = Json::parse(text.begin(), text.end());
    } catch (const Json::exception& e) {
        return Error(Errc::invalid_json, e.what());
    }
    JsonSchema schema;
    JsonSchemaParser parser(schema, refs);
    try {
        ES_CHECK(parser.run(std::move(doc)));
    } catch (const Json::exception& e) {  // references are re-read from their canonical text
        return Error(Errc::invalid_schema, std::string("reading a reference: ") + e.what());
    }
    return schema;
}

std::string canonical_form(const JsonSchema& schema) { return schema.canonical_form(); }

}  // namespace es::registry::compat
