#pragma once

#include "kafka/server/request_context.h"

#include <memory>

namespace es::kafka::server::handlers {

// One function per API. Each decodes its request with the generated codec, turns it into broker
// calls, and answers through ctx->respond on the connection's shard.
void api_versions(const std::shared_ptr<RequestContext>& ctx);
void metadata(const std::shared_ptr<RequestContext>& ctx);
void produce(const std::shared_ptr<RequestContext>& ctx);
void fetch(const std::shared_ptr<RequestContext>& ctx);
void list_offsets(const std::shared_ptr<RequestContext>& ctx);
void create_topics(const std::shared_ptr<RequestContext>& ctx);
void delete_topics(const std::shared_ptr<RequestContext>& ctx);
void create_partitions(const std::shared_ptr<RequestContext>& ctx);
void describe_configs(const std::shared_ptr<RequestContext>& ctx);
void alter_configs(const std::shared_ptr<RequestContext>& ctx);
void incremental_alter_configs(const std::shared_ptr<RequestContext>& ctx);
void delete_records(const std::shared_ptr<RequestContext>& ctx);
void describe_cluster(const std::shared_ptr<RequestContext>& ctx);
void describe_log_dirs(const std::shared_ptr<RequestContext>& ctx);
void init_producer_id(const std::shared_ptr<RequestContext>& ctx);

}  // namespace es::kafka::server::handlers
