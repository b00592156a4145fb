#include "kafka/protocol/generated/offset_fetch.h"

#include "broker/group_coordinator.h"
#include "kafka/protocol/error_code.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;
using protocol::OffsetFetchResponse;

/// One partition's answer, whatever the version's struct.
struct PartitionAnswer {
    int32_t partition = 0;
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    std::string metadata;  // Kafka answers "" for no metadata and for unknown partitions
    ErrorCode error = ErrorCode::none;
};
struct TopicAnswer {
    std::string name;
    std::vector<PartitionAnswer> partitions;
};
struct GroupAnswer {
    ErrorCode error = ErrorCode::none;
    std::vector<TopicAnswer> topics;
};

using Wanted = std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>>;

/// The group's offsets: of the wanted partitions in request order (-1 when none is
/// committed), or of every committed partition when `wanted` is nullopt.
///
/// require_stable (v7+, KIP-447): a partition with a commit still pending in an open transaction
/// answers UNSTABLE_OFFSET_COMMIT, and the consumer asks again, rather than starting from an
/// offset the transaction is about to move.
void fetch_group(const std::shared_ptr<RequestContext>& ctx, const std::string& group_id,
                 Wanted wanted, bool require_stable, std::function<void(GroupAnswer)> done) {
    std::optional<std::vector<model::TopicPartition>> partitions;
    if (wanted) {
        partitions.emplace();
        for (const auto& [topic, indexes] : *wanted) {
            for (int32_t i : indexes) partitions->push_back({topic, model::PartitionId(i)});
        }
    }
    if (!ctx->groups) {
        GroupAnswer answer;
        answer.error = ErrorCode::coordinator_load_in_progress;
        if (wanted) {
            for (const auto& [topic, indexes] : *wanted) {
                auto& t = answer.topics.emplace_back();
                t.name = topic;
                for (int32_t i : indexes) t.partitions.push_back({i, -1, -1, ""});
            }
        }
        done(std::move(answer));
        return;
    }
    ctx->groups->fetch_offsets(
        ctx->shard, group_id, std::move(partitions),
        [wanted = std::move(wanted), require_stable,
         done = std::move(done)](Result<std::vector<broker::CommittedOffset>> result) {
            GroupAnswer answer;
            std::map<std::pair<std::string, int32_t>, const broker::CommittedOffset*> found;
            if (result.ok()) {
                for (const auto& c : *result) found[{c.tp.topic, c.tp.partition.value()}] = &c;
            } else {
                answer.error = to_kafka(result.error());
            }
            auto fill = [&](const std::string& topic, PartitionAnswer& slot) {
                auto it = found.find({topic, slot.partition});
                if (it == found.end()) return;
                if (require_stable && it->second->pending_transaction) {
                    slot.error = ErrorCode::unstable_offset_commit;
                    return;
                }
                if (it->second->offset < 0) return;
                slot.offset = it->second->offset;
                slot.leader_epoch = it->second->leader_epoch;
                slot.metadata = it->second->metadata.value_or("");
            };
            if (wanted) {
                for (const auto& [topic, indexes] : *wanted) {
                    auto& t = answer.topics.emplace_back();
                    t.name = topic;
                    for (int32_t i : indexes) {
                        PartitionAnswer slot{i, -1, -1, ""};
                        fill(topic, slot);
                        t.partitions.push_back(std::move(slot));
                    }
                }
            } else {
                std::map<std::string, std::vector<PartitionAnswer>> by_topic;
                for (const auto& [key, c] : found) {
                    if (c->offset < 0) continue;
                    PartitionAnswer slot{key.second, -1, -1, ""};
                    fill(key.first, slot);
                    by_topic[key.first].push_back(std::move(slot));
                }
                for (auto& [topic, parts] : by_topic) {
                    answer.topics.push_back({topic, std::move(parts)});
                }
            }
            done(std::move(answer));
        });
}

template <class Request>
Wanted wanted_of(const Request& topics) {
    if (!topics) return std::nullopt;
    Wanted wanted;
    wanted.emplace();
    for (const auto& t : *topics) wanted->emplace_back(t.name, t.partition_indexes);
    return wanted;
}

template <class Partition>
Partition to_partition(const PartitionAnswer& p, ErrorCode error) {
    Partition out;
    out.partition_index = p.partition;
    out.committed_offset = p.offset;
    out.committed_leader_epoch = p.leader_epoch;
    out.metadata = p.metadata;
    out.error_code = protocol::code(p.error != ErrorCode::none ? p.error : error);
    return out;
}

void fetch_single(const std::shared_ptr<RequestContext>& ctx,
                  const protocol::OffsetFetchRequest& request) {
    int16_t version = ctx->api_version;
    fetch_group(ctx, request.group_id, wanted_of(request.topics), request.require_stable,
                [ctx, version](GroupAnswer answer) {
                    OffsetFetchResponse response;
                    // v2+ carry the group's error at the top; before, only each partition can.
                    ErrorCode partition_error = version >= 2 ? ErrorCode::none : answer.error;
                    if (version >= 2) response.error_code = protocol::code(answer.error);
                    for (const auto& t : answer.topics) {
                        auto& out = response.topics.emplace_back();
                        out.name = t.name;
                        for (const auto& p : t.partitions) {
                            out.partitions.push_back(
                                to_partition<OffsetFetchResponse::OffsetFetchResponseTopic::
                                                 OffsetFetchResponsePartition>(p, partition_error));
                        }
                    }
                    ctx->respond(std::optional<ResponseBody>(encode_response(response, version)));
                });
}

/// v8 (KIP-709): several groups; answered once all are.
void fetch_batch(const std::shared_ptr<RequestContext>& ctx,
                 const protocol::OffsetFetchRequest& request) {
    using Group = OffsetFetchResponse::OffsetFetchResponseGroup;
    using Partition = Group::OffsetFetchResponseGroupTopic::OffsetFetchResponseGroupPartition;
    auto response = std::make_shared<OffsetFetchResponse>();
    auto pending = std::make_shared<size_t>(request.groups.size());
    for (const auto& g : request.groups) response->groups.emplace_back().group_id = g.group_id;
    if (request.groups.empty()) {
        ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        return;
    }
    for (size_t i = 0; i < request.groups.size(); ++i) {
        // Answers come back on ctx->shard, one at a time: the counter needs no lock.
        fetch_group(
            ctx, request.groups[i].group_id, wanted_of(request.groups[i].topics),
            request.require_stable, [ctx, response, pending, i](GroupAnswer answer) {
                Group& group = response->groups[i];
                group.error_code = protocol::code(answer.error);
                for (const auto& t : answer.topics) {
                    auto& out = group.topics.emplace_back();
                    out.name = t.name;
                    for (const auto& p : t.partitions) {
                        out.partitions.push_back(to_partition<Partition>(p, ErrorCode::none));
                    }
                }
                if (--*pending == 0) {
                    ctx->respond(
                        std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
                }
            });
    }
}

}  // namespace

void offset_fetch(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<protocol::OffsetFetchRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    if (ctx->api_version >= 8) {
        fetch_batch(ctx, *request);
    } else {
        fetch_single(ctx, *request);
    }
}

}  // namespace es::kafka::server::handlers
