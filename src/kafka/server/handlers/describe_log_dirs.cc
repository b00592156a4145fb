#include "kafka/protocol/generated/describe_log_dirs.h"

#include "broker/broker.h"
#include "kafka/server/handlers/handlers.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace es::kafka::server::handlers {

namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;
using LogDirTopic = DescribeLogDirsResponse::DescribeLogDirsResult::DescribeLogDirsTopic;

/// The data directory as an absolute path, the way Kafka names its log dirs.
std::string log_dir_name(const std::string& data_dir) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(data_dir, ec);
    return ec ? data_dir : absolute.lexically_normal().string();
}

bool wanted(
    const std::optional<std::vector<DescribeLogDirsRequest::DescribableLogDirTopic>>& topics,
    const model::TopicPartition& tp) {
    if (!topics) return true;  // null: every partition
    for (const auto& t : *topics) {
        if (t.topic != tp.topic) continue;
        if (std::find(t.partitions.begin(), t.partitions.end(), tp.partition.value()) !=
            t.partitions.end()) {
            return true;
        }
    }
    return false;
}

}  // namespace

void describe_log_dirs(const std::shared_ptr<RequestContext>& ctx) {
    auto request = decode_request<DescribeLogDirsRequest>(*ctx);
    if (!request.ok()) {
        ctx->respond(std::move(request).error());
        return;
    }
    // One log dir, the broker's data dir. Partitions asked for but not held are left out, as
    // Kafka leaves them out of every dir that does not hold them.
    auto topics = std::make_shared<decltype(request->topics)>(std::move(request->topics));
    std::string dir = log_dir_name(ctx->broker.config().data_dir);
    ctx->broker.partition_stats(
        ctx->shard, [ctx, topics, dir](std::vector<broker::PartitionStats> stats) {
            DescribeLogDirsResponse response;
            auto& result = response.results.emplace_back();
            result.log_dir = dir;
            for (const auto& s : stats) {  // sorted by topic, then partition
                if (!wanted(*topics, s.tp)) continue;
                if (result.topics.empty() || result.topics.back().name != s.tp.topic) {
                    result.topics.emplace_back().name = s.tp.topic;
                }
                LogDirTopic::DescribeLogDirsPartition p;
                p.partition_index = s.tp.partition.value();
                p.partition_size = static_cast<int64_t>(s.size_bytes);
                p.offset_lag = 0;  // no replicas to lag behind
                p.is_future_key = false;
                result.topics.back().partitions.push_back(std::move(p));
            }
            ctx->respond(std::optional<ResponseBody>(encode_response(response, ctx->api_version)));
        });
}

}  // namespace es::kafka::server::handlers
