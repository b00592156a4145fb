// The operator CLI for consumer groups over client/: `group list|describe|reset-offsets|delete|
// delete-offsets`, in the manner of Kafka's kafka-consumer-groups.sh. Wiring and formatting
// only; everything that talks to Kafka is in client/Admin.
//
// Exit codes as the other client commands: 0 success, 1 failure (the cluster refused or could
// not be reached), 2 usage. A command signals them by throwing CLI::RuntimeError(code).

#include "app/cli_support.h"
#include "app/commands.h"
#include "base/errc.h"
#include "base/result.h"
#include "client/admin.h"
#include "client/errc.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::app {
namespace {

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

template <typename T>
std::string or_dash(const std::optional<T>& v) {
    if (!v) return "-";
    if constexpr (std::is_integral_v<T>) {
        return std::to_string(*v);
    } else {
        return std::to_string(v->value());
    }
}

/// "orders:0,1;payments:2"
std::string assignment_text(const std::vector<model::TopicPartition>& tps) {
    std::map<std::string, std::string> by_topic;
    for (const model::TopicPartition& tp : tps) {
        std::string& s = by_topic[tp.topic];
        if (!s.empty()) s += ',';
        s += std::to_string(tp.partition.value());
    }
    std::string out;
    for (const auto& [topic, parts] : by_topic) {
        if (!out.empty()) out += ';';
        out += topic + ":" + parts;
    }
    return out.empty() ? "-" : out;
}

struct GroupOptions {
    Connection connection;
    std::string group;
};

void add_list(CLI::App* group) {
    auto o = std::make_shared<Connection>();
    CLI::App* cmd = group->add_subcommand("list", "List consumer groups with their state");
    o->add_to(cmd);
    cmd->callback([o] {
        constexpr std::string_view command = "group list";
        auto admin = o->admin(command);
        auto groups = admin->list_groups();
        if (!groups.ok()) fail(command, groups.error());
        std::vector<std::vector<std::string>> rows = {{"GROUP", "STATE", "PROTOCOL-TYPE"}};
        for (const client::GroupListing& g : *groups) {
            rows.push_back({g.group_id, std::string(client::to_string(g.state)),
                            g.simple ? "(simple)" : g.protocol_type});
        }
        print_table(rows);
    });
}

void add_describe(CLI::App* group) {
    auto o = std::make_shared<GroupOptions>();
    CLI::App* cmd = group->add_subcommand(
        "describe", "Show a group's state and members, and per partition its offsets and lag");
    cmd->add_option("group", o->group, "Group id")->required();
    o->connection.add_to(cmd);
    cmd->callback([o] {
        constexpr std::string_view command = "group describe";
        auto admin = o->connection.admin(command);
        auto d = admin->describe_group(o->group);
        if (!d.ok()) fail(command, d.error());
        auto offsets = admin->group_offsets(o->group);
        if (!offsets.ok()) fail(command, offsets.error());
        if (d->state == client::GroupState::dead && offsets->empty()) {
            fail(kFailure, command, fmt::format("group \"{}\" does not exist", o->group));
        }
        print_table({{"GROUP", o->group},
                     {"STATE", std::string(client::to_string(d->state))},
                     {"PROTOCOL", or_dash(d->protocol)},
                     {"COORDINATOR", d->coordinator < 0 ? "-" : std::to_string(d->coordinator)},
                     {"MEMBERS", std::to_string(d->members.size())}});
        if (!d->members.empty()) {
            std::fputc('\n', stdout);
            std::vector<std::vector<std::string>> rows = {
                {"CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"}};
            for (const client::GroupMemberInfo& m : d->members) {
                rows.push_back({m.member_id, or_dash(m.host), or_dash(m.client_id),
                                std::to_string(m.assignment.size()),
                                assignment_text(m.assignment)});
            }
            print_table(rows);
        }
        std::fputc('\n', stdout);
        std::vector<std::vector<std::string>> rows = {{"TOPIC", "PARTITION", "CURRENT-OFFSET",
                                                       "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                                                       "HOST", "CLIENT-ID", "ERROR"}};
        for (const client::GroupPartitionOffset& p : *offsets) {
            rows.push_back({p.tp.topic, std::to_string(p.tp.partition.value()),
                            or_dash(p.committed), or_dash(p.log_end), or_dash(p.lag),
                            or_dash(p.member_id), or_dash(p.host), or_dash(p.client_id),
                            or_dash(p.error)});
        }
        print_table(rows);
    });
}

void add_reset_offsets(CLI::App* group) {
    struct Options {
        GroupOptions g;
        std::string topic;
        std::vector<int32_t> partitions;
        bool to_earliest = false;
        bool to_latest = false;
        std::optional<int64_t> to_offset;
        std::optional<int64_t> to_timestamp;
        bool dry_run = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = group->add_subcommand(
        "reset-offsets",
        "Move a group's committed offsets on a topic; the group must have no active members");
    cmd->add_option("group", o->g.group, "Group id")->required();
    cmd->add_option("-t,--topic", o->topic, "Topic whose offsets to reset")->required();
    cmd->add_option("-p,--partition", o->partitions, "Partition (repeatable; default all)")
        ->check(CLI::NonNegativeNumber)
        ->allow_extra_args(false);
    cmd->add_flag("--to-earliest", o->to_earliest, "To the start of each partition");
    cmd->add_flag("--to-latest", o->to_latest, "To the end of each partition (skip everything)");
    cmd->add_option("--to-offset", o->to_offset,
                    "To this offset (clamped to each partition's start and end)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--to-timestamp", o->to_timestamp,
                    "To the first record at or after this time, in ms since the epoch (the end "
                    "when there is none)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--dry-run", o->dry_run, "Show the new offsets without committing them");
    o->g.connection.add_to(cmd);
    cmd->callback([o] {
        constexpr std::string_view command = "group reset-offsets";
        int targets = int(o->to_earliest) + int(o->to_latest) + int(o->to_offset.has_value()) +
                      int(o->to_timestamp.has_value());
        if (targets != 1) {
            fail(kUsage, command,
                 "give exactly one of --to-earliest, --to-latest, --to-offset, --to-timestamp");
        }
        client::StartPosition to = client::StartPosition::beginning();
        if (o->to_latest) to = client::StartPosition::end();
        if (o->to_offset) to = client::StartPosition::at_offset(model::Offset(*o->to_offset));
        if (o->to_timestamp) to = client::StartPosition::at_timestamp(*o->to_timestamp);
        std::vector<model::PartitionId> partitions;
        for (int32_t p : o->partitions) partitions.emplace_back(p);

        auto admin = o->g.connection.admin(command);
        auto changes = admin->reset_group_offsets(o->g.group, o->topic, to, partitions, o->dry_run);
        if (!changes.ok()) fail(command, changes.error());
        std::vector<std::vector<std::string>> rows = {
            {"TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"}};
        for (const client::OffsetChange& c : *changes) {
            rows.push_back({c.tp.topic, std::to_string(c.tp.partition.value()), or_dash(c.previous),
                            std::to_string(c.next.value())});
        }
        print_table(rows);
        if (o->dry_run) {
            fmt::print("dry run: group \"{}\" not changed\n", o->g.group);
        } else {
            fmt::print("reset the offsets of group \"{}\" on {} partition(s)\n", o->g.group,
                       changes->size());
        }
    });
}

void add_delete(CLI::App* group) {
    auto o = std::make_shared<GroupOptions>();
    CLI::App* cmd = group->add_subcommand(
        "delete", "Delete a group and its committed offsets; it must have no active members");
    cmd->add_option("group", o->group, "Group id")->required();
    o->connection.add_to(cmd);
    cmd->callback([o] {
        constexpr std::string_view command = "group delete";
        auto admin = o->connection.admin(command);
        Status deleted = admin->delete_group(o->group);
        if (!deleted.ok()) fail(command, deleted.error());
        fmt::print("deleted group \"{}\"\n", o->group);
    });
}

void add_delete_offsets(CLI::App* group) {
    struct Options {
        GroupOptions g;
        std::string topic;
        std::vector<int32_t> partitions;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = group->add_subcommand(
        "delete-offsets",
        "Delete a group's committed offsets on a topic; no member may be subscribed to it");
    cmd->add_option("group", o->g.group, "Group id")->required();
    cmd->add_option("-t,--topic", o->topic, "Topic")->required();
    cmd->add_option("-p,--partition", o->partitions, "Partition (repeatable; default all)")
        ->check(CLI::NonNegativeNumber)
        ->allow_extra_args(false);
    o->g.connection.add_to(cmd);
    cmd->callback([o] {
        constexpr std::string_view command = "group delete-offsets";
        std::vector<model::PartitionId> partitions;
        for (int32_t p : o->partitions) partitions.emplace_back(p);
        auto admin = o->g.connection.admin(command);
        Status deleted = admin->delete_group_offsets(o->g.group, o->topic, partitions);
        if (!deleted.ok()) fail(command, deleted.error());
        fmt::print("deleted the offsets of group \"{}\" on topic \"{}\"\n", o->g.group, o->topic);
    });
}

}  // namespace

void add_group_commands(CLI::App& app) {
    CLI::App* group = app.add_subcommand(
        "group", "List, describe, reset the offsets of and delete consumer groups");
    group->require_subcommand(1);
    add_list(group);
    add_describe(group);
    add_reset_offsets(group);
    add_delete(group);
    add_delete_offsets(group);
}

}  // namespace es::app
