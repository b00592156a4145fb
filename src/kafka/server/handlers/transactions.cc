// The transaction APIs (KIP-98): AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and
// DescribeTransactions/ListTransactions go to the transaction coordinator, TxnOffsetCommit to the
// group coordinator once the transaction coordinator vouched for the producer, WriteTxnMarkers
// (an admin tool's way to end a hanging transaction) straight to the partitions.

#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/txn_coordinator.h"
#include "broker/txn_errc.h"
#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/add_offsets_to_txn.h"
#include "kafka/protocol/generated/add_partitions_to_txn.h"
#include "kafka/protocol/generated/describe_transactions.h"
#include "kafka/protocol/generated/end_txn.h"
#include "kafka/protocol/generated/list_transactions.h"
#include "kafka/protocol/generated/txn_offset_commit.h"
#include "kafka/protocol/generated/write_txn_markers.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/commit_inputs.h"
#include "kafka/server/handlers/handlers.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::ErrorCode;

template <class Response>
void answer(const std::shared_ptr<RequestContext>& ctx, const Response& response) {
    ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
}

/// Decodes the request, or answers the connection with the error and returns nullopt.
template <class Request>
std::optional<Request> decode_or_close(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<Request>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return std::nullopt;
    }
    return std::move(request).value();
}

/// AddPartitionsToTxn, AddOffsetsToTxn and EndTxn learnt PRODUCER_FENCED in v2 (KIP-588).
ErrorCode txn_error(const std::shared_ptr<RequestContext>& ctx, const Status& status) {
    if (status.ok()) return ErrorCode::none;
    return to_kafka(status.error(), ctx->api_version >= 2);
}

}  // namespace

void add_partitions_to_txn(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::AddPartitionsToTxnRequest>(ctx);
    if (!request) return;
    using Response = protocol::AddPartitionsToTxnResponse;
    auto response = std::make_shared<Response>();
    std::vector<model::TopicPartition> partitions;
    for (const auto& topic : request->topics) {
        auto& out = response->results.emplace_back();
        out.name = topic.name;
        for (int32_t p : topic.partitions) {
            out.results.emplace_back().partition_index = p;
            partitions.push_back({topic.name, model::PartitionId(p)});
        }
    }
    auto fill = [ctx, response](const std::vector<Status>& statuses) {
        size_t i = 0;
        for (auto& topic : response->results) {
            for (auto& p : topic.results)
                p.error_code = protocol::code(txn_error(ctx, statuses[i++]));
        }
        answer(ctx, *response);
    };
    if (!ctx->transactions) {
        return fill(std::vector<Status>(
            partitions.size(), Error(broker::TxnErrc::coordinator_load_in_progress, "loading")));
    }
    ctx->transactions->add_partitions(
        ctx->shard, request->transactional_id, model::ProducerId(request->producer_id),
        model::ProducerEpoch(request->producer_epoch), std::move(partitions), fill);
}

void add_offsets_to_txn(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::AddOffsetsToTxnRequest>(ctx);
    if (!request) return;
    auto reply = [ctx](ErrorCode error) {
        protocol::AddOffsetsToTxnResponse response;
        response.error_code = protocol::code(error);
        answer(ctx, response);
    };
    if (!ctx->transactions) return reply(ErrorCode::coordinator_load_in_progress);
    ctx->transactions->add_offsets(ctx->shard, request->transactional_id,
                                   model::ProducerId(request->producer_id),
                                   model::ProducerEpoch(request->producer_epoch), request->group_id,
                                   [ctx, reply](Status status) { reply(txn_error(ctx, status)); });
}

void end_txn(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::EndTxnRequest>(ctx);
    if (!request) return;
    auto reply = [ctx](ErrorCode error) {
        protocol::EndTxnResponse response;
        response.error_code = protocol::code(error);
        answer(ctx, response);
    };
    if (!ctx->transactions) return reply(ErrorCode::coordinator_load_in_progress);
    ctx->transactions->end_txn(ctx->shard, request->transactional_id,
                               model::ProducerId(request->producer_id),
                               model::ProducerEpoch(request->producer_epoch), request->committed,
                               [ctx, reply](Status status) { reply(txn_error(ctx, status)); });
}

void txn_offset_commit(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::TxnOffsetCommitRequest>(ctx);
    if (!request) return;
    using Response = protocol::TxnOffsetCommitResponse;
    auto response = std::make_shared<Response>();
    std::vector<broker::OffsetCommitInput> offsets =
        commit_inputs(request->topics, response->topics);
    // The commit succeeds or fails as a whole. PRODUCER_FENCED is known from v3 on.
    auto reply = [ctx, response](ErrorCode error) {
        for (auto& topic : response->topics) {
            for (auto& p : topic.partitions) p.error_code = protocol::code(error);
        }
        answer(ctx, *response);
    };
    auto to_code = [ctx](const Status& s) {
        return s.ok() ? ErrorCode::none : to_kafka(s.error(), ctx->api_version >= 3);
    };
    if (!ctx->transactions || !ctx->groups) return reply(ErrorCode::coordinator_load_in_progress);
    auto producer = model::ProducerId(request->producer_id);
    auto commit = [ctx, request = *request, producer, offsets = std::move(offsets), reply,
                   to_code](Status vouched) mutable {
        if (!vouched.ok()) return reply(to_code(vouched));
        ctx->groups->txn_commit_offsets(
            ctx->shard, request.group_id, producer, request.generation_id,
            broker::MemberIdentity{request.member_id, request.group_instance_id},
            std::move(offsets), [reply, to_code](Status done) { reply(to_code(done)); });
    };
    ctx->transactions->check_offsets_commit(ctx->shard, request->transactional_id, producer,
                                            model::ProducerEpoch(request->producer_epoch),
                                            request->group_id, std::move(commit));
}

void write_txn_markers(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::WriteTxnMarkersRequest>(ctx);
    if (!request) return;
    using Response = protocol::WriteTxnMarkersResponse;
    auto response = std::make_shared<Response>();
    auto pending = std::make_shared<size_t>(request->markers.size());
    if (request->markers.empty()) return answer(ctx, *response);
    for (const auto& marker : request->markers) {
        auto& result = response->markers.emplace_back();
        result.producer_id = marker.producer_id;
        for (const auto& topic : marker.topics) {
            auto& t = result.topics.emplace_back();
            t.name = topic.name;
            for (int32_t p : topic.partition_indexes)
                t.partitions.emplace_back().partition_index = p;
        }
    }
    // Markers answer on ctx->shard one at a time: the counter needs no lock.
    for (size_t m = 0; m < request->markers.size(); ++m) {
        const auto& marker = request->markers[m];
        std::vector<model::TopicPartition> partitions;
        for (const auto& topic : marker.topics) {
            for (int32_t p : topic.partition_indexes) {
                partitions.push_back({topic.name, model::PartitionId(p)});
            }
        }
        broker::TxnMarker written{model::ProducerId(marker.producer_id),
                                  model::ProducerEpoch(marker.producer_epoch),
                                  marker.transaction_result, marker.coordinator_epoch};
        ctx->broker.write_txn_markers(
            ctx->shard, written, std::move(partitions),
            [ctx, response, pending, m](std::vector<Status> statuses) {
                size_t i = 0;
                for (auto& topic : response->markers[m].topics) {
                    for (auto& p : topic.partitions) {
                        const Status& s = statuses[i++];
                        p.error_code =
                            protocol::code(s.ok() ? ErrorCode::none : to_kafka(s.error()));
                    }
                }
                if (--*pending == 0) answer(ctx, *response);
            });
    }
}

void describe_transactions(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::DescribeTransactionsRequest>(ctx);
    if (!request) return;
    using Response = protocol::DescribeTransactionsResponse;
    auto ids = request->transactional_ids;
    auto fill = [ctx, ids](std::vector<Result<broker::TxnMetadata>> found) {
        Response response;
        for (size_t i = 0; i < ids.size(); ++i) {
            auto& out = response.transaction_states.emplace_back();
            out.transactional_id = ids[i];
            out.producer_id = -1;
            out.producer_epoch = -1;
            out.transaction_start_time_ms = -1;
            if (!found[i].ok()) {
                out.error_code = protocol::code(to_kafka(found[i].error()));
                continue;
            }
            const broker::TxnMetadata& m = *found[i];
            out.transaction_state = broker::to_string(m.state);
            out.transaction_timeout_ms = m.timeout_ms;
            out.transaction_start_time_ms = m.state == broker::TxnState::ongoing ? m.start_ms : -1;
            out.producer_id = m.producer_id.value();
            out.producer_epoch = m.producer_epoch.value();
            std::map<std::string, std::vector<int32_t>> by_topic;
            for (const auto& tp : m.partitions) by_topic[tp.topic].push_back(tp.partition.value());
            for (auto& [topic, parts] : by_topic) {
                auto& t = out.topics.emplace_back();
                t.topic = topic;
                t.partitions = std::move(parts);
            }
        }
        answer(ctx, response);
    };
    if (!ctx->transactions) {
        fill(std::vector<Result<broker::TxnMetadata>>(
            ids.size(), Error(broker::TxnErrc::coordinator_load_in_progress, "loading")));
        return;
    }
    ctx->transactions->describe(ctx->shard, std::move(request->transactional_ids), fill);
}

void list_transactions(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_or_close<protocol::ListTransactionsRequest>(ctx);
    if (!request) return;
    using Response = protocol::ListTransactionsResponse;
    auto response = std::make_shared<Response>();
    std::set<broker::TxnState> states;
    for (const auto& name : request->state_filters) {
        if (auto state = broker::txn_state_from_string(name)) {
            states.insert(*state);
        } else {
            response->unknown_state_filters.push_back(name);
        }
    }
    if (!ctx->transactions) {
        response->error_code = protocol::code(ErrorCode::coordinator_load_in_progress);
        return answer(ctx, *response);
    }
    // An unknown state matches nothing; filters of each kind combine with "and", as in Kafka.
    bool only_unknown = !request->state_filters.empty() && states.empty();
    std::set<int64_t> producers(request->producer_id_filters.begin(),
                                request->producer_id_filters.end());
    ctx->transactions->list(ctx->shard, [ctx, response, states, producers,
                                         only_unknown](std::vector<broker::TxnMetadata> all) {
        for (const auto& m : all) {
            if (only_unknown) break;
            if (!states.empty() && !states.contains(m.state)) continue;
            if (!producers.empty() && !producers.contains(m.producer_id.value())) continue;
            auto& out = response->transaction_states.emplace_back();
            out.transactional_id = m.transactional_id;
            out.producer_id = m.producer_id.value();
            out.transaction_state = broker::to_string(m.state);
        }
        answer(ctx, *response);
    });
}

}  // namespace es::kafka::server::handlers
