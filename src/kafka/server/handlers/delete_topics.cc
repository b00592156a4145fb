#include "kafka/protocol/generated/delete_topics.h"

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;
using TopicResult = DeleteTopicsResponse::DeletableTopicResult;

protocol::Uuid to_uuid(const broker::TopicId& id) {
    protocol::Uuid out;
    std::memcpy(out.bytes.data(), id.data(), 16);
    return out;
}

void fail(TopicResult& result, const Error& error) {
    result.error_code = protocol::code(to_kafka(error));
    result.error_message = error.message();
}

/// v6 names a topic by name or by id, never both; earlier versions only by name.
TopicResult resolve(const DeleteTopicsRequest::DeleteTopicState& t,
                    const broker::Catalog& catalog) {
    TopicResult result;
    result.name = t.name;
    result.topic_id = t.topic_id;
    if (t.name && !t.topic_id.is_zero()) {
        fail(result,
             Error(broker::Errc::invalid_request, "give a topic name or a topic id, not both"));
    } else if (t.name) {
        if (auto found = catalog.find(*t.name)) result.topic_id = to_uuid(found->id);
    } else {
        broker::TopicId id;
        std::memcpy(id.data(), t.topic_id.bytes.data(), 16);
        if (auto found = catalog.find(id)) {
            result.name = found->name;
        } else {
            fail(result, Error(broker::Errc::unknown_topic_id, "no topic has this topic id"));
        }
    }
    return result;
}

}  // namespace

void delete_topics(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<DeleteTopicsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    // Before v6 the request is a list of names; bring both forms to one.
    std::vector<DeleteTopicsRequest::DeleteTopicState> wanted = std::move(request->topics);
    for (auto& name : request->topic_names) {
        DeleteTopicsRequest::DeleteTopicState t;
        t.name = std::move(name);
        wanted.push_back(std::move(t));
    }
    // A topic named twice (by name, or by id) is refused, as Kafka's controller does, and listed
    // once in the response.
    auto key = [](const DeleteTopicsRequest::DeleteTopicState& t) {
        if (t.name) return "n:" + *t.name;
        return "i:" + std::string(reinterpret_cast<const char*>(t.topic_id.bytes.data()), 16);
    };
    std::map<std::string, size_t> count;
    for (const auto& t : wanted) ++count[key(t)];

    auto response = std::make_shared<DeleteTopicsResponse>();
    std::vector<bool> ask;  // per response entry: whether the broker deletes it
    std::map<std::string, bool> listed;
    for (const auto& t : wanted) {
        std::string k = key(t);
        if (listed[k]) continue;
        listed[k] = true;
        TopicResult result = resolve(t, ctx->broker.catalog());
        if (count[k] > 1 && result.error_code == 0) {
            fail(result, Error(broker::Errc::invalid_request,
                               "the topic appears more than once in the request"));
        }
        ask.push_back(result.error_code == 0);
        response->responses.push_back(std::move(result));
    }

    auto remaining = std::make_shared<size_t>(response->responses.size() + 1);
    auto settle = [ctx, response, remaining] {
        if (--*remaining == 0) {
            ctx->respond(std::optional<ResponseBody>(encode_response(*response, ctx->api_version)));
        }
    };
    for (size_t i = 0; i < response->responses.size(); ++i) {
        if (!ask[i]) {
            settle();
            continue;
        }
        ctx->broker.delete_topic(ctx->shard, *response->responses[i].name,
                                 [response, i, settle](Status deleted) {
                                     if (!deleted.ok()) {
                                         fail(response->responses[i], deleted.error());
                                     }
                                     settle();
                                 });
    }
    settle();
}

}  // namespace es::kafka::server::handlers
