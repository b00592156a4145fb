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
    }
    return nullptr;
}

}  // namespace es::kafka::server
