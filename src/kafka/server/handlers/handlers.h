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
// The classic consumer-group APIs, served through ctx->groups (the group coordinator).
void find_coordinator(const std::shared_ptr<RequestContext>& ctx);
void join_group(const std::shared_ptr<RequestContext>& ctx);
void sync_group(const std::shared_ptr<RequestContext>& ctx);
void heartbeat(const std::shared_ptr<RequestContext>& ctx);
void leave_group(const std::shared_ptr<RequestContext>& ctx);
void offset_commit(const std::shared_ptr<RequestContext>& ctx);
void offset_fetch(const std::shared_ptr<RequestContext>& ctx);
void list_groups(const std::shared_ptr<RequestContext>& ctx);
void describe_groups(const std::shared_ptr<RequestContext>& ctx);
void delete_groups(const std::shared_ptr<RequestContext>& ctx);
void offset_delete(const std::shared_ptr<RequestContext>& ctx);
// Transactions, served through ctx->transactions (the transaction coordinator); init_producer_id
// with a transactional id goes there too.
void add_partitions_to_txn(const std::shared_ptr<RequestContext>& ctx);
void add_offsets_to_txn(const std::shared_ptr<RequestContext>& ctx);
void end_txn(const std::shared_ptr<RequestContext>& ctx);
void txn_offset_commit(const std::shared_ptr<RequestContext>& ctx);
void write_txn_markers(const std::shared_ptr<RequestContext>& ctx);
void describe_transactions(const std::shared_ptr<RequestContext>& ctx);
void list_transactions(const std::shared_ptr<RequestContext>& ctx);

}  // namespace es::kafka::server::handlers
