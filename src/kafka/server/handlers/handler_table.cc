#include "kafka/protocol/generated/api_table.h"
#include "kafka/server/handlers/handlers.h"

namespace es::kafka::server {

Handler find_handler(int16_t api_key) {
    using protocol::ApiKey;
    switch (static_cast<ApiKey>(api_key)) {
        case ApiKey::api_versions:
            return handlers::api_versions;
        case ApiKey::metadata:
            return handlers::metadata;
        case ApiKey::produce:
            return handlers::produce;
        case ApiKey::fetch:
            return handlers::fetch;
        case ApiKey::list_offsets:
            return handlers::list_offsets;
        case ApiKey::create_topics:
            return handlers::create_topics;
        case ApiKey::delete_topics:
            return handlers::delete_topics;
        case ApiKey::create_partitions:
            return handlers::create_partitions;
        case ApiKey::describe_configs:
            return handlers::describe_configs;
        case ApiKey::alter_configs:
            return handlers::alter_configs;
        case ApiKey::incremental_alter_configs:
            return handlers::incremental_alter_configs;
        case ApiKey::delete_records:
            return handlers::delete_records;
        case ApiKey::describe_cluster:
            return handlers::describe_cluster;
        case ApiKey::describe_log_dirs:
            return handlers::describe_log_dirs;
        case ApiKey::init_producer_id:
            return handlers::init_producer_id;
        case ApiKey::find_coordinator:
            return handlers::find_coordinator;
        case ApiKey::join_group:
            return handlers::join_group;
        case ApiKey::sync_group:
            return handlers::sync_group;
        case ApiKey::heartbeat:
            return handlers::heartbeat;
        case ApiKey::leave_group:
            return handlers::leave_group;
        case ApiKey::offset_commit:
            return handlers::offset_commit;
        case ApiKey::offset_fetch:
            return handlers::offset_fetch;
        case ApiKey::list_groups:
            return handlers::list_groups;
        case ApiKey::describe_groups:
            return handlers::describe_groups;
        case ApiKey::delete_groups:
            return handlers::delete_groups;
        case ApiKey::offset_delete:
            return handlers::offset_delete;
        case ApiKey::add_partitions_to_txn:
            return handlers::add_partitions_to_txn;
        case ApiKey::add_offsets_to_txn:
            return handlers::add_offsets_to_txn;
        case ApiKey::end_txn:
            return handlers::end_txn;
        case ApiKey::write_txn_markers:
            return handlers::write_txn_markers;
        case ApiKey::txn_offset_commit:
            return handlers::txn_offset_commit;
        case ApiKey::describe_transactions:
            return handlers::describe_transactions;
        case ApiKey::list_transactions:
            return handlers::list_transactions;
    }
    return nullptr;
}

}  // namespace es::kafka::server
