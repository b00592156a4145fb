#pragma once

#include "kafka/protocol/generated/any_request.h"
#include "kafka/protocol/generated/api_table.h"
#include "kafka/protocol/generated/delete_groups.h"
#include "kafka/protocol/generated/describe_groups.h"
#include "kafka/protocol/generated/find_coordinator.h"
#include "kafka/protocol/generated/heartbeat.h"
#include "kafka/protocol/generated/init_producer_id.h"
#include "kafka/protocol/generated/join_group.h"
#include "kafka/protocol/generated/leave_group.h"
#include "kafka/protocol/generated/list_groups.h"
#include "kafka/protocol/generated/offset_commit.h"
#include "kafka/protocol/generated/offset_delete.h"
#include "kafka/protocol/generated/offset_fetch.h"
#include "kafka/protocol/generated/sync_group.h"

#include <tuple>

// Field-by-field equality for the generated structs, which have none of their own. It lives in
// the structs' namespace so that argument-dependent lookup finds it inside std::vector's and
// std::optional's operator==. Unknown tagged fields are not compared (these tests have none).
namespace es::kafka::protocol {

#define ES_FIELDWISE_EQ(Type, ...)                                         \
    inline bool operator==(const Type& a, const Type& b) {                 \
        auto fields = [](const Type& x) { return std::tie(__VA_ARGS__); }; \
        return fields(a) == fields(b);                                     \
    }

ES_FIELDWISE_EQ(FindCoordinatorRequest, x.key, x.key_type, x.coordinator_keys)
ES_FIELDWISE_EQ(FindCoordinatorResponse::Coordinator, x.key, x.node_id, x.host, x.port,
                x.error_code, x.error_message)
ES_FIELDWISE_EQ(FindCoordinatorResponse, x.throttle_time_ms, x.error_code, x.error_message,
                x.node_id, x.host, x.port, x.coordinators)

ES_FIELDWISE_EQ(JoinGroupRequest::JoinGroupRequestProtocol, x.name, x.metadata)
ES_FIELDWISE_EQ(JoinGroupRequest, x.group_id, x.session_timeout_ms, x.rebalance_timeout_ms,
                x.member_id, x.group_instance_id, x.protocol_type, x.protocols, x.reason)
ES_FIELDWISE_EQ(JoinGroupResponse::JoinGroupResponseMember, x.member_id, x.group_instance_id,
                x.metadata)
ES_FIELDWISE_EQ(JoinGroupResponse, x.throttle_time_ms, x.error_code, x.generation_id,
                x.protocol_type, x.protocol_name, x.leader, x.skip_assignment, x.member_id,
                x.members)

ES_FIELDWISE_EQ(SyncGroupRequest::SyncGroupRequestAssignment, x.member_id, x.assignment)
ES_FIELDWISE_EQ(SyncGroupRequest, x.group_id, x.generation_id, x.member_id, x.group_instance_id,
                x.protocol_type, x.protocol_name, x.assignments)
ES_FIELDWISE_EQ(SyncGroupResponse, x.throttle_time_ms, x.error_code, x.protocol_type,
                x.protocol_name, x.assignment)

ES_FIELDWISE_EQ(HeartbeatRequest, x.group_id, x.generation_id, x.member_id, x.group_instance_id)
ES_FIELDWISE_EQ(HeartbeatResponse, x.throttle_time_ms, x.error_code)

ES_FIELDWISE_EQ(LeaveGroupRequest::MemberIdentity, x.member_id, x.group_instance_id, x.reason)
ES_FIELDWISE_EQ(LeaveGroupRequest, x.group_id, x.member_id, x.members)
ES_FIELDWISE_EQ(LeaveGroupResponse::MemberResponse, x.member_id, x.group_instance_id, x.error_code)
ES_FIELDWISE_EQ(LeaveGroupResponse, x.throttle_time_ms, x.error_code, x.members)

ES_FIELDWISE_EQ(OffsetCommitRequest::OffsetCommitRequestTopic::OffsetCommitRequestPartition,
                x.partition_index, x.committed_offset, x.committed_leader_epoch, x.commit_timestamp,
                x.committed_metadata)
ES_FIELDWISE_EQ(OffsetCommitRequest::OffsetCommitRequestTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(OffsetCommitRequest, x.group_id, x.generation_id, x.member_id, x.group_instance_id,
                x.retention_time_ms, x.topics)
ES_FIELDWISE_EQ(OffsetCommitResponse::OffsetCommitResponseTopic::OffsetCommitResponsePartition,
                x.partition_index, x.error_code)
ES_FIELDWISE_EQ(OffsetCommitResponse::OffsetCommitResponseTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(OffsetCommitResponse, x.throttle_time_ms, x.topics)

ES_FIELDWISE_EQ(OffsetFetchRequest::OffsetFetchRequestTopic, x.name, x.partition_indexes)
ES_FIELDWISE_EQ(OffsetFetchRequest::OffsetFetchRequestGroup::OffsetFetchRequestGroupTopic, x.name,
                x.partition_indexes)
ES_FIELDWISE_EQ(OffsetFetchRequest::OffsetFetchRequestGroup, x.group_id, x.topics)
ES_FIELDWISE_EQ(OffsetFetchRequest, x.group_id, x.topics, x.groups, x.require_stable)
ES_FIELDWISE_EQ(OffsetFetchResponse::OffsetFetchResponseTopic::OffsetFetchResponsePartition,
                x.partition_index, x.committed_offset, x.committed_leader_epoch, x.metadata,
                x.error_code)
ES_FIELDWISE_EQ(OffsetFetchResponse::OffsetFetchResponseTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(OffsetFetchResponse::OffsetFetchResponseGroup::OffsetFetchResponseGroupTopic::
                    OffsetFetchResponseGroupPartition,
                x.partition_index, x.committed_offset, x.committed_leader_epoch, x.metadata,
                x.error_code)
ES_FIELDWISE_EQ(OffsetFetchResponse::OffsetFetchResponseGroup::OffsetFetchResponseGroupTopic,
                x.name, x.partitions)
ES_FIELDWISE_EQ(OffsetFetchResponse::OffsetFetchResponseGroup, x.group_id, x.topics, x.error_code)
ES_FIELDWISE_EQ(OffsetFetchResponse, x.throttle_time_ms, x.topics, x.error_code, x.groups)

ES_FIELDWISE_EQ(ListGroupsRequest, x.states_filter)
ES_FIELDWISE_EQ(ListGroupsResponse::ListedGroup, x.group_id, x.protocol_type, x.group_state)
ES_FIELDWISE_EQ(ListGroupsResponse, x.throttle_time_ms, x.error_code, x.groups)

ES_FIELDWISE_EQ(DescribeGroupsRequest, x.groups, x.include_authorized_operations)
ES_FIELDWISE_EQ(DescribeGroupsResponse::DescribedGroup::DescribedGroupMember, x.member_id,
                x.group_instance_id, x.client_id, x.client_host, x.member_metadata,
                x.member_assignment)
ES_FIELDWISE_EQ(DescribeGroupsResponse::DescribedGroup, x.error_code, x.group_id, x.group_state,
                x.protocol_type, x.protocol_data, x.members, x.authorized_operations)
ES_FIELDWISE_EQ(DescribeGroupsResponse, x.throttle_time_ms, x.groups)

ES_FIELDWISE_EQ(DeleteGroupsRequest, x.groups_names)
ES_FIELDWISE_EQ(DeleteGroupsResponse::DeletableGroupResult, x.group_id, x.error_code)
ES_FIELDWISE_EQ(DeleteGroupsResponse, x.throttle_time_ms, x.results)

ES_FIELDWISE_EQ(OffsetDeleteRequest::OffsetDeleteRequestTopic::OffsetDeleteRequestPartition,
                x.partition_index)
ES_FIELDWISE_EQ(OffsetDeleteRequest::OffsetDeleteRequestTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(OffsetDeleteRequest, x.group_id, x.topics)
ES_FIELDWISE_EQ(OffsetDeleteResponse::OffsetDeleteResponseTopic::OffsetDeleteResponsePartition,
                x.partition_index, x.error_code)
ES_FIELDWISE_EQ(OffsetDeleteResponse::OffsetDeleteResponseTopic, x.name, x.partitions)
ES_FIELDWISE_EQ(OffsetDeleteResponse, x.error_code, x.throttle_time_ms, x.topics)

ES_FIELDWISE_EQ(InitProducerIdRequest, x.transactional_id, x.transaction_timeout_ms, x.producer_id,
                x.producer_epoch)
ES_FIELDWISE_EQ(InitProducerIdResponse, x.throttle_time_ms, x.error_code, x.producer_id,
                x.producer_epoch)

#undef ES_FIELDWISE_EQ

}  // namespace es::kafka::protocol
