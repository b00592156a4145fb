// Confluent Schema Registry's JSON Schema compatibility rules (its SchemaDiff over everit
// schemas), written over our own node model. The writer is Confluent's "original", the reader
// its "update"; only the Difference types Confluent classes as incompatible are reported.
// Every node is seen through a form (json_schema_forms.h).

#include "registry/compat/json_schema.h"
#include "registry/compat/json_schema_forms.h"
#include "registry/compat/json_text.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

namespace es::registry::compat {
namespace {

using namespace json_forms;

/// Where a property or an item position that one side does not declare comes from.
struct Slot {
    enum Model { open, closed, schema } model = open;
    JsonNodeId node = -1;
    std::string path;  // of the keyword that decides (patternProperties/..., additional...)
};

bool combined(Kind k) { return k == Kind::all || k == Kind::any || k == Kind::one; }

class Checker {
  public:
    Checker(const JsonSchema& reader, const JsonSchema& writer, int depth)
        : reader_(reader), writer_(writer), r_(reader), w_(writer), depth_(depth) {}

    std::vector<Incompatibility> nodes(JsonNodeId w, JsonNodeId r) {
        return compare(w_.form(w), r_.form(r));
    }

  private:
    using Key = std::tuple<JsonNodeId, Facet, JsonType, JsonNodeId, Facet, JsonType>;

    static Incompatibility issue(std::string path, std::string rule, std::string message) {
        return {std::move(path), std::move(rule), std::move(message)};
    }

    std::vector<Incompatibility> compare(const Form& w, const Form& r) {
        if (depth_ >= kJsonSchemaMaxCheckDepth) {
            return {issue("", "SCHEMA_TOO_DEEP",
                          "the schemas nest deeper than " +
                              std::to_string(kJsonSchemaMaxCheckDepth) +
                              " levels here; the check gave up")};
        }
        Key key{w.node, w.facet, w.type, r.node, r.facet, r.type};
        if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        if (!in_progress_.insert(key).second) return {};  // recursion: assume it resolves
        ++depth_;
        auto result = compare_forms(w, r);
        --depth_;
        in_progress_.erase(key);
        memo_.emplace(key, result);
        return result;
    }

    std::vector<Incompatibility> compare_nodes(JsonNodeId w, JsonNodeId r,
                                               const std::string& path) {
        auto result = compare(w_.form(w), r_.form(r));
        prefix(result, path);
        return result;
    }

    std::vector<Incompatibility> compare_forms(const Form& w, const Form& r) {
        Kind kw = w_.kind(w);
        Kind kr = r_.kind(r);
        std::string hint;
        if (!combined(kw) && combined(kr)) {
            auto subs = r_.subs(r);
            if (subs.size() == 1 || kr == Kind::any || kr == Kind::one) {
                // SUM_TYPE_EXTENDED: one branch of the reader reads the writer.
                for (const auto& s : subs) {
                    auto sub = compare(w, s.form);
                    if (sub.empty()) return {};
                    if (hint.empty()) hint = first_reason(sub, s.path);
                }
            }
        } else if (combined(kw) && !combined(kr)) {
            auto subs = w_.subs(w);
            if (subs.size() == 1 || kw == Kind::all) {
                // PRODUCT_TYPE_NARROWED: the reader keeps one part of the writer's allOf.
                for (const auto& s : subs) {
                    auto sub = compare(s.form, r);
                    if (sub.empty()) return {};
                    if (hint.empty()) hint = first_reason(sub, "");
                }
            }
        }
        if (kw != kr && !(combined(kw) && combined(kr))) {
            if (kw == Kind::false_ || kr == Kind::empty) return {};
            std::string message = "the writer allows " + w_.describe(w) +
                                  " but the reader requires " + r_.describe(r);
            if (!hint.empty()) message += " (closest match: " + hint + ")";
            return {issue("", "TYPE_CHANGED",
                          message + "; make the reader accept the writer's "
                                    "values, or keep the old type")};
        }
        const auto& wn = w_.node(w.node);
        const auto& rn = r_.node(r.node);
        switch (kw) {
            case Kind::string:
                return strings(wn, rn);
            case Kind::number:
                return numbers(w, r);
            case Kind::enum_:
                return enums(w, r);
            case Kind::not_:
                return nots(wn, rn);
            case Kind::object:
                return objects(wn, rn);
            case Kind::array:
                return arrays(wn, rn);
            case Kind::all:
            case Kind::any:
            case Kind::one:
                return combineds(w, r);
            default:
                return {};
        }
    }

    static std::string first_reason(const std::vector<Incompatibility>& list,
                                    const std::string& path) {
        if (list.empty()) return "";
        const auto& first = list.front();
        std::string where = path + first.path;
        return first.rule + " at " + (where.empty() ? "/" : where);
    }

    // Lower and upper limits. `added_bad`: adding the limit in the reader is incompatible.
    // `lower`: a minimum-like limit (raising it is incompatible), else maximum-like.
    static void limit(std::vector<Incompatibility>& out, const char* keyword,
                      const std::optional<double>& w, const std::optional<double>& r, bool lower,
                      const char* added, const char* tightened, const char* what) {
        if (!r) return;  // removed or absent: compatible
        std::string path = std::string("/") + keyword;
        if (!w) {
            out.push_back(issue(path, added,
                                std::string("the reader adds ") + keyword + " " + number_text(*r) +
                                    "; the writer's " + what +
                                    " are not limited, so remove it or make it optional"));
            return;
        }
        if (lower ? *r > *w : *r < *w) {
            out.push_back(issue(path, tightened,
                                std::string("the reader's ") + keyword + " " + number_text(*r) +
                                    " is stricter than the writer's " + number_text(*w) +
                                    "; keep it at " + number_text(*w) + " or " +
                                    (lower ? "lower" : "higher")));
        }
    }

    std::vector<Incompatibility> strings(const JsonSchemaNode& w, const JsonSchemaNode& r) {
        std::vector<Incompatibility> out;
        limit(out, "maxLength", w.max_length, r.max_length, false, "MAX_LENGTH_ADDED",
              "MAX_LENGTH_DECREASED", "string lengths");
        limit(out, "minLength", w.min_length, r.min_length, true, "MIN_LENGTH_ADDED",
              "MIN_LENGTH_INCREASED", "string lengths");
        if (r.pattern && !w.pattern) {
            out.push_back(issue("/pattern", "PATTERN_ADDED",
                                "the reader adds pattern '" + *r.pattern +
                                    "' that the writer's strings need not match"));
        } else if (r.pattern && w.pattern && *r.pattern != *w.pattern) {
            out.push_back(issue("/pattern", "PATTERN_CHANGED",
                                "the reader's pattern '" + *r.pattern +
                                    "' differs from the writer's '" + *w.pattern +
                                    "'; keep the writer's pattern"));
        }
        return out;
    }

    std::vector<Incompatibility> numbers(const Form& wf, const Form& rf) {
        const auto& w = w_.node(wf.node);
        const auto& r = r_.node(rf.node);
        std::vector<Incompatibility> out;
        limit(out, "maximum", w.maximum, r.maximum, false, "MAXIMUM_ADDED", "MAXIMUM_DECREASED",
              "numbers");
        limit(out, "minimum", w.minimum, r.minimum, true, "MINIMUM_ADDED", "MINIMUM_INCREASED",
              "numbers");
        limit(out, "exclusiveMaximum", w.exclusive_maximum, r.exclusive_maximum, false,
              "EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MAXIMUM_DECREASED", "numbers");
        limit(out, "exclusiveMinimum", w.exclusive_minimum, r.exclusive_minimum, true,
              "EXCLUSIVE_MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_INCREASED", "numbers");
        if (r.multiple_of && !w.multiple_of) {
            out.push_back(issue("/multipleOf", "MULTIPLE_OF_ADDED",
                                "the reader adds multipleOf " + number_text(*r.multiple_of) +
                                    " that the writer's numbers need not satisfy"));
        } else if (r.multiple_of && w.multiple_of && *r.multiple_of != *w.multiple_of) {
            // Compatible (MULTIPLE_OF_REDUCED) when the writer's step is a multiple of the
            // reader's: every multiple of 10 is a multiple of 2.
            auto whole_ratio = [](double a, double b) {
                double q = a / b;
                return q >= 1 && std::fabs(q - std::round(q)) <= 1e-9 * std::max(1.0, q);
            };
            if (!whole_ratio(*w.multiple_of, *r.multiple_of)) {
                bool expanded = whole_ratio(*r.multiple_of, *w.multiple_of);
                out.push_back(
                    issue("/multipleOf", expanded ? "MULTIPLE_OF_EXPANDED" : "MULTIPLE_OF_CHANGED",
                          "the reader's multipleOf " + number_text(*r.multiple_of) +
                              " does not divide the writer's " + number_text(*w.multiple_of) +
                              "; use a divisor of " + number_text(*w.multiple_of)));
            }
        }
        if (wf.type != JsonType::integer && rf.type == JsonType::integer) {
            out.push_back(issue("/type", "TYPE_NARROWED",
                                "the reader accepts only integers but the writer allows any "
                                "number; use \"number\" in the reader"));
        }
        return out;
    }

    std::vector<Incompatibility> enums(const Form& wf, const Form& rf) {
        auto values = [](const JsonSchemaNode& n, const Form& f) {
            return f.facet == Facet::const_ ? std::vector<std::string>{*n.const_value}
                                            : *n.enum_values;
        };
        auto wv = values(w_.node(wf.node), wf);
        auto rv = values(r_.node(rf.node), rf);
        std::vector<std::string> missing;
        for (const auto& v : wv) {
            if (!contains(rv, v)) missing.push_back(v);
        }
        if (missing.empty()) return {};  // same or ENUM_ARRAY_EXTENDED
        bool narrowed = std::all_of(rv.begin(), rv.end(),
                                    [&](const std::string& v) { return contains(wv, v); });
        std::string path = rf.facet == Facet::const_ ? "/const" : "/enum";
        return {issue(path, narrowed ? "ENUM_ARRAY_NARROWED" : "ENUM_ARRAY_CHANGED",
                      "the writer may send " + list_text(missing) +
                          ", which the reader's values do not include; add them to the reader")};
    }

    std::vector<Incompatibility> nots(const JsonSchemaNode& w, const JsonSchemaNode& r) {
        // Reversed: whatever the reader forbids, the writer must forbid too.
        Checker reversed(writer_, reader_, depth_);
        auto sub = reversed.nodes(r.not_, w.not_);
        if (sub.empty()) return {};  // NOT_TYPE_NARROWED
        return {issue("/not", "NOT_TYPE_EXTENDED",
                      "the reader's 'not' excludes values that the writer's 'not' allows (" +
                          first_reason(sub, "") + "); exclude no more than the writer did")};
    }

    // --- objects ---------------------------------------------------------------------------

    static JsonNodeId find_property(const JsonSchemaNode& n, const std::string& name) {
        auto it = std::lower_bound(n.properties.begin(), n.properties.end(),
                                   std::make_pair(name, JsonNodeId{-1}));
        return it != n.properties.end() && it->first == name ? it->second : -1;
    }

    bool pattern_matches(const std::string& pattern, const std::string& name) {
        if (name.size() > kJsonSchemaMaxPatternSubject) return false;
        auto it = regexes_.find(pattern);
        if (it == regexes_.end()) {
            std::optional<std::regex> re;
            try {
                re.emplace(pattern, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
                re.reset();  // a pattern std::regex cannot compile covers nothing
            }
            it = regexes_.emplace(pattern, std::move(re)).first;
        }
        if (!it->second) return false;
        try {
            return std::regex_search(name, *it->second);
        } catch (const std::regex_error&) {
            return false;
        }
    }

    /// What a side says about a property it does not declare.
    Slot property_slot(const Side& side, const JsonSchemaNode& n, const std::string& name) {
        for (const auto& [pattern, node] : n.pattern_properties) {
            if (pattern_matches(pattern, name)) {
                return {side.is_empty(node) ? Slot::open : Slot::schema, node,
                        "/patternProperties/" + escape_pointer_token(pattern)};
            }
        }
        return slot_of(side, n.additional_properties, "/additionalProperties");
    }

    static Slot slot_of(const Side& side, JsonNodeId node, const std::string& path) {
        if (node < 0 || side.is_empty(node)) return {Slot::open, node, path};
        if (side.is_false(node)) return {Slot::closed, node, path};
        return {Slot::schema, node, path};
    }

    static bool has_default(const Side& side, JsonNodeId id) {
        return side.node(id).has_default || side.node(side.resolve(id)).has_default;
    }

    std::vector<Incompatibility> objects(const JsonSchemaNode& w, const JsonSchemaNode& r) {
        std::vector<Incompatibility> out;
        // required
        for (std::size_t i = 0; i < r.required.size(); ++i) {
            const auto& name = r.required[i];
            if (contains(w.required, name)) continue;
            JsonNodeId rp = find_property(r, name);
            JsonNodeId wp = find_property(w, name);
            if (rp >= 0 && wp < 0) continue;               // an added property: judged below
            if (rp >= 0 && has_default(r_, rp)) continue;  // REQUIRED_ATTRIBUTE_WITH_DEFAULT
            out.push_back(issue("/required/" + std::to_string(i), "REQUIRED_ATTRIBUTE_ADDED",
                                "the reader requires '" + name +
                                    "', which the writer does not; data without it is "
                                    "rejected, so keep it optional or give it a default"));
        }
        // properties
        std::set<std::string> names;
        for (const auto& p : w.properties) names.insert(p.first);
        for (const auto& p : r.properties) names.insert(p.first);
        for (const auto& name : names) {
            std::string path = "/properties/" + escape_pointer_token(name);
            JsonNodeId wp = find_property(w, name);
            JsonNodeId rp = find_property(r, name);
            if (wp >= 0 && rp >= 0) {
                auto sub = compare_nodes(wp, rp, path);
                out.insert(out.end(), sub.begin(), sub.end());
            } else if (wp >= 0) {
                removed_property(out, r, name, wp, path);
            } else {
                added_property(out, w, r, name, rp, path);
            }
        }
        // dependencies
        std::set<std::string> keys;
        for (const auto& d : w.dependency_arrays) keys.insert(d.first);
        for (const auto& d : r.dependency_arrays) keys.insert(d.first);
        for (const auto& key : keys) {
            auto wi = w.dependency_arrays.find(key);
            auto ri = r.dependency_arrays.find(key);
            if (ri == r.dependency_arrays.end()) continue;  // DEPENDENCY_ARRAY_REMOVED
            std::string path = "/" + ri->second.first + "/" + escape_pointer_token(key);
            if (wi == w.dependency_arrays.end()) {
                out.push_back(issue(path, "DEPENDENCY_ARRAY_ADDED",
                                    "the reader adds a dependency of '" + key + "' on [" +
                                        list_text(ri->second.second) +
                                        "] that the writer's data need not meet"));
                continue;
            }
            const auto& wl = wi->second.second;
            const auto& rl = ri->second.second;
            if (wl == rl) continue;
            bool narrowed = std::includes(wl.begin(), wl.end(), rl.begin(), rl.end());
            if (narrowed) continue;  // DEPENDENCY_ARRAY_NARROWED
            bool extended = std::includes(rl.begin(), rl.end(), wl.begin(), wl.end());
            out.push_back(issue(path,
                                extended ? "DEPENDENCY_ARRAY_EXTENDED" : "DEPENDENCY_ARRAY_CHANGED",
                                "the reader's dependency of '" + key + "' on [" + list_text(rl) +
                                    "] asks for more than the writer's [" + list_text(wl) + "]"));
        }
        keys.clear();
        for (const auto& d : w.dependency_schemas) keys.insert(d.first);
        for (const auto& d : r.dependency_schemas) keys.insert(d.first);
        for (const auto& key : keys) {
            auto wi = w.dependency_schemas.find(key);
            auto ri = r.dependency_schemas.find(key);
            if (ri == r.dependency_schemas.end()) continue;  // DEPENDENCY_SCHEMA_REMOVED
            std::string path = "/" + ri->second.first + "/" + escape_pointer_token(key);
            if (wi == w.dependency_schemas.end()) {
                out.push_back(issue(path, "DEPENDENCY_SCHEMA_ADDED",
                                    "the reader adds a schema dependency for '" + key +
                                        "' that the writer's data need not meet"));
                continue;
            }
            auto sub = compare_nodes(wi->second.second, ri->second.second, path);
            out.insert(out.end(), sub.begin(), sub.end());
        }
        // additionalProperties
        Slot wa = slot_of(w_, w.additional_properties, "");
        Slot ra = slot_of(r_, r.additional_properties, "");
        if (ra.model == Slot::closed && wa.model != Slot::closed) {
            out.push_back(issue("/additionalProperties", "ADDITIONAL_PROPERTIES_REMOVED",
                                "the reader forbids properties it does not declare, but the "
                                "writer allows them; keep additionalProperties open"));
        } else if (ra.model == Slot::schema && wa.model == Slot::open) {
            out.push_back(issue("/additionalProperties", "ADDITIONAL_PROPERTIES_NARROWED",
                                "the reader constrains undeclared properties that the writer "
                                "leaves free; remove the reader's additionalProperties schema"));
        } else if (ra.model == Slot::schema && wa.model == Slot::schema) {
            auto sub = compare_nodes(wa.node, ra.node, "/additionalProperties");
            out.insert(out.end(), sub.begin(), sub.end());
        }
        limit(out, "maxProperties", w.max_properties, r.max_properties, false,
              "MAX_PROPERTIES_ADDED", "MAX_PROPERTIES_DECREASED", "property counts");
        limit(out, "minProperties", w.min_properties, r.min_properties, true,
              "MIN_PROPERTIES_ADDED", "MIN_PROPERTIES_INCREASED", "property counts");
        return out;
    }

    void removed_property(std::vector<Incompatibility>& out, const JsonSchemaNode& r,
                          const std::string& name, JsonNodeId wp, const std::string& path) {
        Slot slot = property_slot(r_, r, name);
        if (slot.model == Slot::open) return;  // PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
        if (slot.model == Slot::schema) {
            auto sub = compare_nodes(wp, slot.node, path);
            if (sub.empty()) return;  // PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_...
            out.push_back(issue(path,
                                "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                                "the reader drops property '" + name + "', and its " +
                                    slot.path.substr(1) + " schema does not read the writer's (" +
                                    first_reason(sub, "") + "); keep the property"));
            return;
        }
        if (w_.is_false(wp)) return;  // PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
        out.push_back(issue(path, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
                            "the reader drops property '" + name +
                                "' but forbids undeclared properties, so the writer's '" + name +
                                "' is rejected; keep the property or open the content model"));
    }

    void added_property(std::vector<Incompatibility>& out, const JsonSchemaNode& w,
                        const JsonSchemaNode& r, const std::string& name, JsonNodeId rp,
                        const std::string& path) {
        bool required = contains(r.required, name);
        bool required_without_default = required && !has_default(r_, rp);
        Slot slot = property_slot(w_, w, name);
        if (slot.model == Slot::open) {
            if (!r_.is_empty(rp)) {
                out.push_back(issue(path, "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
                                    "the reader adds property '" + name +
                                        "', but the writer's open content model may already "
                                        "carry '" +
                                        name +
                                        "' with any value; close the writer "
                                        "(additionalProperties: false) before adding it"));
            } else if (required_without_default) {
                out.push_back(issue(path, "REQUIRED_ATTRIBUTE_ADDED",
                                    "the reader requires the new property '" + name +
                                        "', which the writer's data may lack"));
            }
            return;
        }
        if (slot.model == Slot::schema) {
            auto sub = compare_nodes(slot.node, rp, path);
            if (!sub.empty()) {
                out.push_back(
                    issue(path, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                          "the reader adds property '" + name + "', but the writer's " +
                              slot.path.substr(1) + " schema allows values it rejects (" +
                              first_reason(sub, "") + "); make the new property accept them"));
            }
        }
        if (required_without_default) {
            out.push_back(issue(path, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
                                "the reader requires the new property '" + name +
                                    "', which the writer's data lacks; make it optional or "
                                    "give it a default"));
        }
    }

    // --- arrays ----------------------------------------------------------------------------

    /// Items past the tuple: "items" (every item) or additionalItems / items after prefixItems.
    static Slot rest_slot(const Side& side, const JsonSchemaNode& n) {
        if (n.items >= 0) return slot_of(side, n.items, "/items");
        if (n.additional_items >= 0) {
            return slot_of(side, n.additional_items, "/" + n.additional_items_keyword);
        }
        return {Slot::open, -1, "/additionalItems"};
    }

    std::vector<Incompatibility> arrays(const JsonSchemaNode& w, const JsonSchemaNode& r) {
        std::vector<Incompatibility> out;
        Slot wrest = rest_slot(w_, w);
        Slot rrest = rest_slot(r_, r);
        std::string r_tuple = r.tuple_keyword.empty() ? "items" : r.tuple_keyword;
        std::size_t n = std::max(w.tuple.size(), r.tuple.size());
        for (std::size_t i = 0; i < n; ++i) {
            std::string path = "/" + r_tuple + "/" + std::to_string(i);
            if (i < w.tuple.size() && i < r.tuple.size()) {
                auto sub = compare_nodes(w.tuple[i], r.tuple[i], path);
                out.insert(out.end(), sub.begin(), sub.end());
            } else if (i < w.tuple.size()) {
                if (rrest.model == Slot::open) continue;  // ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL
                if (rrest.model == Slot::schema) {
                    auto sub = compare_nodes(w.tuple[i], rrest.node, rrest.path);
                    if (sub.empty()) continue;  // ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_...
                    out.push_back(
                        issue(path, "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                              "the reader drops item " + std::to_string(i) + ", and its " +
                                  rrest.path.substr(1) + " schema does not read the writer's (" +
                                  first_reason(sub, "") + "); keep the item"));
                    continue;
                }
                if (w_.is_false(w.tuple[i])) continue;
                out.push_back(issue(path, "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
                                    "the reader drops item " + std::to_string(i) +
                                        " and allows no further items, so the writer's longer "
                                        "arrays are rejected; keep the item"));
            } else {
                if (wrest.model == Slot::closed) continue;  // ITEM_ADDED_TO_CLOSED_CONTENT_MODEL
                if (wrest.model == Slot::open) {
                    if (r_.is_empty(r.tuple[i])) continue;
                    out.push_back(issue(path, "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
                                        "the reader adds item " + std::to_string(i) +
                                            ", but the writer's arrays may already hold any "
                                            "value there; close the writer's arrays first"));
                    continue;
                }
                auto sub = compare_nodes(wrest.node, r.tuple[i], path);
                if (sub.empty()) continue;  // ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_...
                out.push_back(issue(path, "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                                    "the reader adds item " + std::to_string(i) +
                                        ", but the writer's " + wrest.path.substr(1) +
                                        " schema allows values it rejects (" +
                                        first_reason(sub, "") + ")"));
            }
        }
        // the rest
        if (rrest.model == Slot::closed && wrest.model != Slot::closed) {
            out.push_back(issue(rrest.path, "ADDITIONAL_ITEMS_REMOVED",
                                "the reader allows no items past position " +
                                    std::to_string(r.tuple.size()) +
                                    " but the writer does; keep them allowed"));
        } else if (rrest.model == Slot::schema && wrest.model == Slot::open) {
            bool items = rrest.path == "/items" && r.tuple.empty();
            out.push_back(issue(rrest.path, items ? "SCHEMA_ADDED" : "ADDITIONAL_ITEMS_NARROWED",
                                "the reader constrains items that the writer leaves free; remove "
                                "the reader's " +
                                    rrest.path.substr(1) + " schema"));
        } else if (rrest.model == Slot::schema && wrest.model == Slot::schema) {
            auto sub = compare_nodes(wrest.node, rrest.node, rrest.path);
            out.insert(out.end(), sub.begin(), sub.end());
        }
        limit(out, "maxItems", w.max_items, r.max_items, false, "MAX_ITEMS_ADDED",
              "MAX_ITEMS_DECREASED", "array lengths");
        limit(out, "minItems", w.min_items, r.min_items, true, "MIN_ITEMS_ADDED",
              "MIN_ITEMS_INCREASED", "array lengths");
        if (r.unique_items && !w.unique_items) {
            out.push_back(issue("/uniqueItems", "UNIQUE_ITEMS_ADDED",
                                "the reader requires unique items but the writer may repeat "
                                "them; remove uniqueItems"));
        }
        return out;
    }

    // --- allOf / anyOf / oneOf -------------------------------------------------------------

    static const char* criterion(Kind k) {
        return k == Kind::all ? "allOf" : k == Kind::any ? "anyOf" : "oneOf";
    }

    std::vector<Incompatibility> combineds(const Form& w, const Form& r) {
        Kind kw = w_.kind(w);
        Kind kr = r_.kind(r);
        auto ws = w_.subs(w);
        auto rs = r_.subs(r);
        std::string path = r_.combined_path(r);
        std::vector<Incompatibility> out;
        if (kw != kr) {
            bool ok = kr == Kind::any || (kr == Kind::one && ws.size() == 1) ||
                      (kr == Kind::all && ws.size() == 1 && rs.size() == 1);
            if (!ok) {  // COMBINED_TYPE_EXTENDED otherwise
                return {issue(path, "COMBINED_TYPE_CHANGED",
                              std::string("the writer's ") + criterion(kw) +
                                  " became the reader's " + criterion(kr) +
                                  ", which accepts less; only a change to anyOf (or from a "
                                  "single subschema) is compatible")};
            }
        }
        if (ws.size() < rs.size() && kr == Kind::all) {
            out.push_back(issue(path, "PRODUCT_TYPE_EXTENDED",
                                "the reader's allOf adds subschemas (" + std::to_string(ws.size()) +
                                    " -> " + std::to_string(rs.size()) +
                                    ") that the writer's data need not satisfy"));
        } else if (ws.size() > rs.size() && kr != Kind::all) {
            out.push_back(issue(path, "SUM_TYPE_NARROWED",
                                std::string("the reader's ") + criterion(kr) +
                                    " has fewer alternatives than the writer's (" +
                                    std::to_string(ws.size()) + " -> " + std::to_string(rs.size()) +
                                    "); keep every alternative the writer has"));
        }
        // Maximum matching of writer subschemas to reader subschemas that read them.
        std::vector<std::vector<bool>> ok(ws.size(), std::vector<bool>(rs.size(), false));
        std::vector<std::string> closest(ws.size());
        std::vector<std::size_t> fewest(ws.size(), SIZE_MAX);
        for (std::size_t i = 0; i < ws.size(); ++i) {
            for (std::size_t j = 0; j < rs.size(); ++j) {
                auto sub = compare(ws[i].form, rs[j].form);
                ok[i][j] = sub.empty();
                if (!sub.empty() && sub.size() < fewest[i]) {
                    fewest[i] = sub.size();
                    closest[i] = first_reason(sub, rs[j].path);
                }
            }
        }
        std::vector<int> match_r(rs.size(), -1);
        std::vector<bool> matched_w(ws.size(), false);
        std::size_t matched = 0;
        for (std::size_t i = 0; i < ws.size(); ++i) {
            std::vector<bool> seen(rs.size(), false);
            if (augment(i, ok, seen, match_r)) {
                ++matched;
                matched_w[i] = true;
            }
        }
        std::fill(matched_w.begin(), matched_w.end(), false);
        for (int i : match_r) {
            if (i >= 0) matched_w[static_cast<std::size_t>(i)] = true;
        }
        if (matched < std::min(ws.size(), rs.size())) {
            std::string which;
            for (std::size_t i = 0; i < ws.size(); ++i) {
                if (matched_w[i]) continue;
                if (!which.empty()) which += "; ";
                which += "writer " + w_.describe(ws[i].form);
                if (!closest[i].empty()) which += " (closest: " + closest[i] + ")";
            }
            out.push_back(issue(path, "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
                                std::string("no pairing of the reader's ") + criterion(kr) +
                                    " subschemas reads the writer's; unmatched: " + which));
        }
        return out;
    }

    static bool augment(std::size_t i, const std::vector<std::vector<bool>>& ok,
                        std::vector<bool>& seen, std::vector<int>& match_r) {
        for (std::size_t j = 0; j < match_r.size(); ++j) {
            if (!ok[i][j] || seen[j]) continue;
            seen[j] = true;
            if (match_r[j] < 0 ||
                augment(static_cast<std::size_t>(match_r[j]), ok, seen, match_r)) {
                match_r[j] = static_cast<int>(i);
                return true;
            }
        }
        return false;
    }

    const JsonSchema& reader_;
    const JsonSchema& writer_;
    Side r_;
    Side w_;
    int depth_ = 0;
    std::map<Key, std::vector<Incompatibility>> memo_;
    std::set<Key> in_progress_;
    std::map<std::string, std::optional<std::regex>> regexes_;
};

}  // namespace

std::vector<Incompatibility> json_schema_can_read(const JsonSchema& reader,
                                                  const JsonSchema& writer) {
    if (reader.root() < 0 || writer.root() < 0) return {};
    Checker checker(reader, writer, 0);
    auto out = checker.nodes(writer.root(), reader.root());
    for (auto& inc : out) {
        if (inc.path.empty()) inc.path = "/";
    }
    return out;
}

}  // namespace es::registry::compat
