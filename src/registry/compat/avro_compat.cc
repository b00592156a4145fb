// Avro schema resolution (specification, "Schema Resolution") as a compatibility check that
// collects every problem instead of stopping at the first.

#include "registry/compat/avro.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace es::registry::compat {
namespace {

bool promotable(AvroType writer, AvroType reader) {
    switch (writer) {
        case AvroType::int_:
            return reader == AvroType::long_ || reader == AvroType::float_ ||
                   reader == AvroType::double_;
        case AvroType::long_:
            return reader == AvroType::float_ || reader == AvroType::double_;
        case AvroType::float_:
            return reader == AvroType::double_;
        case AvroType::string:
            return reader == AvroType::bytes;
        case AvroType::bytes:
            return reader == AvroType::string;
        default:
            return false;
    }
}

std::string_view simple_part(std::string_view full_name) {
    std::size_t dot = full_name.rfind('.');
    return dot == std::string_view::npos ? full_name : full_name.substr(dot + 1);
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

void prefix(std::vector<Incompatibility>& list, const std::string& path) {
    for (auto& inc : list) inc.path = path + inc.path;
}

/// One check of reader against writer. Results of named pairs are memoized; a pair met again
/// while it is being checked (a recursive type) is assumed to resolve, so recursion ends.
class Resolver {
  public:
    Resolver(const AvroSchema& reader, const AvroSchema& writer) : r_(reader), w_(writer) {}

    std::vector<Incompatibility> check(AvroNodeId r, AvroNodeId w) {
        if (depth_ >= kAvroMaxSchemaDepth) {
            return {{"", "SCHEMA_TOO_DEEP",
                     "the schemas nest deeper than " + std::to_string(kAvroMaxSchemaDepth) +
                         " levels here; the check gave up"}};
        }
        ++depth_;
        auto out = check_node(r, w);
        --depth_;
        return out;
    }

  private:
    std::string describe(const AvroSchema& s, AvroNodeId id, bool deep = true) const {
        const AvroNode& n = s.node(id);
        std::string out(to_string(n.type));
        if (n.is_named()) {
            out += " " + n.full_name;
        } else if (n.type == AvroType::union_ && deep) {
            std::vector<std::string> parts;
            for (AvroNodeId b : n.branches) parts.push_back(describe(s, b, false));
            out += " [" + join(parts) + "]";
        }
        return out;
    }

    static bool names_match(const AvroNode& r, const AvroNode& w) {
        if (r.full_name == w.full_name || r.simple_name() == w.simple_name()) return true;
        return std::any_of(r.aliases.begin(), r.aliases.end(), [&](const std::string& a) {
            return a == w.full_name || simple_part(a) == w.simple_name();
        });
    }

    /// The specification's "match" without looking inside: what a reader union would pick.
    bool shallow_match(AvroNodeId r, AvroNodeId w) const {
        const AvroNode& rn = r_.node(r);
        const AvroNode& wn = w_.node(w);
        if (rn.type != wn.type) return promotable(wn.type, rn.type);
        return !rn.is_named() || names_match(rn, wn);
    }

    std::vector<Incompatibility> check_node(AvroNodeId r, AvroNodeId w) {
        const AvroNode& rn = r_.node(r);
        const AvroNode& wn = w_.node(w);
        if (wn.type == AvroType::union_) {
            // Every branch the writer may have written must be readable.
            std::vector<Incompatibility> out;
            for (std::size_t i = 0; i < wn.branches.size(); ++i) {
                auto sub = check(r, wn.branches[i]);
                prefix(sub, "/" + std::to_string(i));
                out.insert(out.end(), sub.begin(), sub.end());
            }
            return out;
        }
        if (rn.type == AvroType::union_) return check_reader_union(r, w);
        if (rn.type != wn.type) {
            if (promotable(wn.type, rn.type)) return {};
            return {{"", "TYPE_MISMATCH",
                     "reader type " + describe(r_, r) + " cannot read writer type " +
                         describe(w_, w) + "; " + std::string(to_string(wn.type)) +
                         " does not promote to " + std::string(to_string(rn.type))}};
        }
        switch (rn.type) {
            case AvroType::array: {
                auto out = check(rn.items, wn.items);
                prefix(out, "/items");
                return out;
            }
            case AvroType::map: {
                auto out = check(rn.values, wn.values);
                prefix(out, "/values");
                return out;
            }
            case AvroType::record:
            case AvroType::enum_:
            case AvroType::fixed:
                return check_named(r, w);
            default:
                return {};  // the same primitive type
        }
    }

    std::vector<Incompatibility> check_reader_union(AvroNodeId r, AvroNodeId w) {
        const AvroNode& rn = r_.node(r);
        std::optional<AvroNodeId> closest;
        std::vector<Incompatibility> closest_issues;
        for (AvroNodeId b : rn.branches) {
            auto sub = check(b, w);
            if (sub.empty()) return {};
            bool gave_up = std::any_of(sub.begin(), sub.end(), [](const Incompatibility& i) {
                return i.rule == "SCHEMA_TOO_DEEP";
            });
            if (gave_up) return sub;  // not a verdict on the branch: say so, not "missing"
            if (!closest && shallow_match(b, w)) {
                closest = b;
                closest_issues = std::move(sub);
            }
        }
        std::string message = "reader union " + describe(r_, r) +
                              " has no branch that can read writer type " + describe(w_, w);
        if (closest && !closest_issues.empty()) {
            const auto& first = closest_issues.front();
            message += "; the closest branch, " + describe(r_, *closest) + ", fails at " +
                       (first.path.empty() ? "/" : first.path) + ": " + first.message;
        } else {
            message += "; add a branch for it";
        }
        return {{"", "MISSING_UNION_BRANCH", std::move(message)}};
    }

    std::vector<Incompatibility> check_named(AvroNodeId r, AvroNodeId w) {
        auto key = std::make_pair(r, w);
        if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        if (!in_progress_.insert(key).second) return {};
        std::vector<Incompatibility> out;
        const AvroNode& rn = r_.node(r);
        const AvroNode& wn = w_.node(w);
        if (!names_match(rn, wn)) {
            out.push_back({"/name", "NAME_MISMATCH",
                           "reader " + describe(r_, r) + " and writer " + describe(w_, w) +
                               " have different names; keep the name or add the alias \"" +
                               wn.full_name + "\" to the reader"});
        }
        switch (rn.type) {
            case AvroType::record:
                check_fields(rn, wn, out);
                break;
            case AvroType::enum_:
                check_symbols(rn, wn, out);
                break;
            case AvroType::fixed:
                if (rn.size != wn.size) {
                    out.push_back({"/size", "FIXED_SIZE_MISMATCH",
                                   "reader " + describe(r_, r) + " has size " +
                                       std::to_string(rn.size) + " but the writer's has size " +
                                       std::to_string(wn.size) + "; a fixed size cannot change"});
                }
                break;
            default:
                break;
        }
        in_progress_.erase(key);
        memo_.emplace(key, out);
        return out;
    }

    void check_fields(const AvroNode& rn, const AvroNode& wn, std::vector<Incompatibility>& out) {
        auto find_writer_field = [&](const std::string& name) -> const AvroField* {
            for (const auto& f : wn.fields) {
                if (f.name == name) return &f;
            }
            return nullptr;
        };
        for (std::size_t i = 0; i < rn.fields.size(); ++i) {
            const AvroField& rf = rn.fields[i];
            const AvroField* wf = find_writer_field(rf.name);
            for (std::size_t a = 0; wf == nullptr && a < rf.aliases.size(); ++a) {
                wf = find_writer_field(rf.aliases[a]);
            }
            std::string path = "/fields/" + std::to_string(i);
            if (wf == nullptr) {
                if (!rf.default_json) {
                    out.push_back({path, "READER_FIELD_MISSING_DEFAULT_VALUE",
                                   "reader field '" + rf.name + "' is not in the writer's record " +
                                       wn.full_name +
                                       " and has no default value; give it a default"});
                }
                continue;
            }
            auto sub = check(rf.type, wf->type);
            prefix(sub, path + "/type");
            out.insert(out.end(), sub.begin(), sub.end());
        }
    }

    static void check_symbols(const AvroNode& rn, const AvroNode& wn,
                              std::vector<Incompatibility>& out) {
        if (rn.enum_default) return;  // unknown symbols read as the default
        std::vector<std::string> missing;
        for (const auto& s : wn.symbols) {
            if (std::find(rn.symbols.begin(), rn.symbols.end(), s) == rn.symbols.end()) {
                missing.push_back(s);
            }
        }
        if (missing.empty()) return;
        out.push_back({"/symbols", "MISSING_ENUM_SYMBOLS",
                       "writer symbols [" + join(missing) + "] are not in reader enum " +
                           rn.full_name +
                           ", which has no default; add them or give the reader enum a default"});
    }

    const AvroSchema& r_;
    const AvroSchema& w_;
    std::map<std::pair<AvroNodeId, AvroNodeId>, std::vector<Incompatibility>> memo_;
    std::set<std::pair<AvroNodeId, AvroNodeId>> in_progress_;
    int depth_ = 0;
};

}  // namespace

std::vector<Incompatibility> avro_can_read(const AvroSchema& reader, const AvroSchema& writer) {
    Resolver resolver(reader, writer);
    auto out = resolver.check(reader.root(), writer.root());
    for (auto& inc : out) {
        if (inc.path.empty()) inc.path = "/";
    }
    return out;
}

}  // namespace es::registry::compat
