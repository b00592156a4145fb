// Byte layouts of the consumer-group APIs (issue #4) written by hand from the protocol guide and
// compared with what the generated codec produces and accepts.

#include "kafka/protocol/errc.h"
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
#include "kafka/protocol/tests/codec_groups_equality.h"
#include "kafka/protocol/tests/codec_test_util.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace es::kafka::protocol {
namespace {

using testing::decode_whole;
using testing::encode;

// --- byte layouts written by hand from the protocol guide ---------------------------------------
// Non-flexible versions: STRING = INT16 length + bytes, NULLABLE_STRING length -1 for null,
// BYTES and ARRAY = INT32 length. Flexible versions: COMPACT_* lengths are an unsigned varint of
// length + 1 (0 for null), and every struct ends with a tag buffer (0x00: no tagged fields).

TEST(CodecGroupsBytes, JoinGroupRequestV0) {
    JoinGroupRequest r;
    r.group_id = "g1";
    r.session_timeout_ms = 30000;
    r.rebalance_timeout_ms = 60000;  // v1+: not on the wire
    r.protocol_type = "consumer";
    r.protocols = {{"range", {1, 2}, {}}};
    const Bytes want = {
        0x00, 0x02, 'g',  '1',                                   // group_id STRING
        0x00, 0x00, 0x75, 0x30,                                  // session_timeout_ms 30000
        0x00, 0x00,                                              // member_id "" (new member)
        0x00, 0x08, 'c',  'o',  'n',  's',  'u', 'm', 'e', 'r',  // protocol_type
        0x00, 0x00, 0x00, 0x01,                                  // protocols: 1
        0x00, 0x05, 'r',  'a',  'n',  'g',  'e',                 //   name
        0x00, 0x00, 0x00, 0x02, 0x01, 0x02,                      //   metadata BYTES
    };
    EXPECT_EQ(encode(r, 0), want);
    JoinGroupRequest back;
    ASSERT_TRUE(decode_whole(back, want, 0).ok());
    EXPECT_EQ(back.rebalance_timeout_ms, -1) << "not in v0: keeps its default";
    EXPECT_EQ(back.protocols.at(0).name, "range");
}

TEST(CodecGroupsBytes, JoinGroupRequestV9) {
    JoinGroupRequest r;
    r.group_id = "g1";
    r.session_timeout_ms = 30000;
    r.rebalance_timeout_ms = 60000;
    r.member_id = "m";
    r.protocol_type = "consumer";
    r.protocols = {{"range", {1, 2}, {}}};
    r.reason = "r";
    const Bytes want = {
        0x03, 'g',  '1',                                  // group_id COMPACT_STRING
        0x00, 0x00, 0x75, 0x30,                           // session_timeout_ms
        0x00, 0x00, 0xea, 0x60,                           // rebalance_timeout_ms 60000
        0x02, 'm',                                        // member_id
        0x00,                                             // group_instance_id null
        0x09, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r',  // protocol_type
        0x02,                                             // protocols: 1
        0x06, 'r',  'a',  'n',  'g', 'e',                 //   name
        0x03, 0x01, 0x02,                                 //   metadata COMPACT_BYTES
        0x00,                                             //   tag buffer
        0x02, 'r',                                        // reason COMPACT_NULLABLE_STRING
        0x00,                                             // tag buffer
    };
    EXPECT_EQ(encode(r, 9), want);
    JoinGroupRequest back;
    ASSERT_TRUE(decode_whole(back, want, 9).ok());
    EXPECT_TRUE(back == r);
}

TEST(CodecGroupsBytes, JoinGroupResponseV0) {
    JoinGroupResponse r;
    r.generation_id = 1;
    r.protocol_name = "range";
    r.leader = "m1";
    r.member_id = "m1";
    r.members = {{"m1", std::nullopt, {0xaa}, {}}};
    const Bytes want = {
        0x00, 0x00,                              // error_code
        0x00, 0x00, 0x00, 0x01,                  // generation_id
        0x00, 0x05, 'r',  'a',  'n',  'g', 'e',  // protocol_name STRING
        0x00, 0x02, 'm',  '1',                   // leader
        0x00, 0x02, 'm',  '1',                   // member_id
        0x00, 0x00, 0x00, 0x01,                  // members: 1
        0x00, 0x02, 'm',  '1',                   //   member_id
        0x00, 0x00, 0x00, 0x01, 0xaa,            //   metadata BYTES
    };
    EXPECT_EQ(encode(r, 0), want);
    JoinGroupResponse back;
    ASSERT_TRUE(decode_whole(back, want, 0).ok());
    EXPECT_TRUE(back == r);
}

TEST(CodecGroupsBytes, JoinGroupResponseV9) {
    JoinGroupResponse r;
    r.generation_id = 2;
    r.protocol_type = "consumer";
    r.protocol_name = std::nullopt;  // nullable from v7
    r.leader = "m1";
    r.skip_assignment = true;
    r.member_id = "m2";
    r.members = {{"m1", "i1", {}, {}}};
    const Bytes want = {
        0x00, 0x00, 0x00, 0x00,                           // throttle_time_ms
        0x00, 0x00,                                       // error_code
        0x00, 0x00, 0x00, 0x02,                           // generation_id
        0x09, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r',  // protocol_type
        0x00,                                             // protocol_name null
        0x03, 'm',  '1',                                  // leader
        0x01,                                             // skip_assignment true
        0x03, 'm',  '2',                                  // member_id
        0x02,                                             // members: 1
        0x03, 'm',  '1',                                  //   member_id
        0x03, 'i',  '1',                                  //   group_instance_id
        0x01,                                             //   metadata: empty COMPACT_BYTES
        0x00,                                             //   tag buffer
        0x00,                                             // tag buffer
    };
    EXPECT_EQ(encode(r, 9), want);
    JoinGroupResponse back;
    ASSERT_TRUE(decode_whole(back, want, 9).ok());
    EXPECT_TRUE(back == r);
}

TEST(CodecGroupsBytes, OffsetCommitRequestV2) {
    OffsetCommitRequest r;
    r.group_id = "g1";
    r.generation_id = 5;
    r.member_id = "m1";
    r.group_instance_id = "i1";  // v7+: not on the wire
    // retention_time_ms left at -1 (broker default)
    auto& p = r.topics.emplace_back(OffsetCommitRequest::OffsetCommitRequestTopic{"t", {}, {}})
                  .partitions.emplace_back();
    p.committed_offset = 42;
    p.committed_leader_epoch = 9;  // v6+: not on the wire
    p.commit_timestamp = 77;       // v1 only: not on the wire
    const Bytes want = {
        0x00, 0x02, 'g',  '1',                           // group_id
        0x00, 0x00, 0x00, 0x05,                          // generation_id
        0x00, 0x02, 'm',  '1',                           // member_id
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // retention_time_ms -1
        0x00, 0x00, 0x00, 0x01,                          // topics: 1
        0x00, 0x01, 't',                                 //   name
        0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
        0x00, 0x00, 0x00, 0x00,                          //     partition_index
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     committed_offset 42
        0xff, 0xff,                                      //     committed_metadata null
    };
    EXPECT_EQ(encode(r, 2), want);
    OffsetCommitRequest back;
    ASSERT_TRUE(decode_whole(back, want, 2).ok());
    EXPECT_EQ(back.retention_time_ms, -1);
    EXPECT_FALSE(back.group_instance_id.has_value());
    EXPECT_EQ(back.topics.at(0).partitions.at(0).commit_timestamp, -1);
    EXPECT_EQ(back.topics.at(0).partitions.at(0).committed_leader_epoch, -1);
    // retention_time_ms is written in v2-4 only.
    r.retention_time_ms = 1000;
    EXPECT_EQ(encode(r, 4).size(), want.size());
    EXPECT_EQ(encode(r, 4)[19], 0xe8);  // ... 0x03 0xe8
    EXPECT_EQ(encode(r, 5).size(), want.size() - 8);
}

TEST(CodecGroupsBytes, OffsetCommitRequestV8) {
    OffsetCommitRequest r;
    r.group_id = "g1";
    r.generation_id = 5;
    r.member_id = "m1";
    r.group_instance_id = "i1";
    r.retention_time_ms = 1000;  // v2-4 only: not on the wire
    auto& p = r.topics.emplace_back(OffsetCommitRequest::OffsetCommitRequestTopic{"t", {}, {}})
                  .partitions.emplace_back();
    p.partition_index = 1;
    p.committed_offset = 42;
    p.committed_leader_epoch = 3;
    p.committed_metadata = "";
    const Bytes want = {
        0x03, 'g',  '1',                                 // group_id COMPACT_STRING
        0x00, 0x00, 0x00, 0x05,                          // generation_id
        0x03, 'm',  '1',                                 // member_id
        0x03, 'i',  '1',                                 // group_instance_id
        0x02,                                            // topics: 1
        0x02, 't',                                       //   name
        0x02,                                            //   partitions: 1
        0x00, 0x00, 0x00, 0x01,                          //     partition_index
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     committed_offset
        0x00, 0x00, 0x00, 0x03,                          //     committed_leader_epoch
        0x01,                                            //     committed_metadata ""
        0x00,                                            //     tag buffer
        0x00,                                            //   tag buffer
        0x00,                                            // tag buffer
    };
    EXPECT_EQ(encode(r, 8), want);
    OffsetCommitRequest back;
    ASSERT_TRUE(decode_whole(back, want, 8).ok());
    EXPECT_EQ(back.retention_time_ms, -1);
    EXPECT_EQ(back.group_instance_id, "i1");
    EXPECT_EQ(back.topics.at(0).partitions.at(0).committed_metadata, "");
}

TEST(CodecGroupsBytes, FindCoordinatorV3) {
    FindCoordinatorRequest req;
    req.key = "g1";
    req.coordinator_keys = {"x"};  // v4+: not on the wire
    const Bytes want_req = {
        0x03, 'g', '1',  // key COMPACT_STRING
        0x00,            // key_type 0: group
        0x00,            // tag buffer
    };
    EXPECT_EQ(encode(req, 3), want_req);

    FindCoordinatorResponse resp;
    resp.node_id = 1;
    resp.host = "h";
    resp.port = 9092;
    const Bytes want_resp = {
        0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
        0x00, 0x00,              // error_code
        0x00,                    // error_message null
        0x00, 0x00, 0x00, 0x01,  // node_id
        0x02, 'h',               // host
        0x00, 0x00, 0x23, 0x84,  // port 9092
        0x00,                    // tag buffer
    };
    EXPECT_EQ(encode(resp, 3), want_resp);
    FindCoordinatorResponse back;
    ASSERT_TRUE(decode_whole(back, want_resp, 3).ok());
    EXPECT_TRUE(back == resp);
}

TEST(CodecGroupsBytes, FindCoordinatorV4BatchesKeys) {
    FindCoordinatorRequest req;
    req.key = "ignored";  // v0-3 only
    req.key_type = 1;     // transaction
    req.coordinator_keys = {"t1", "t2"};
    const Bytes want_req = {
        0x01,            // key_type
        0x03,            // coordinator_keys: 2
        0x03, 't', '1',  //
        0x03, 't', '2',  //
        0x00,            // tag buffer
    };
    EXPECT_EQ(encode(req, 4), want_req);
    FindCoordinatorRequest back_req;
    ASSERT_TRUE(decode_whole(back_req, want_req, 4).ok());
    EXPECT_EQ(back_req.key, "");
    EXPECT_EQ(back_req.coordinator_keys, (std::vector<std::string>{"t1", "t2"}));

    FindCoordinatorResponse resp;
    resp.error_code = 15;  // v0-3 only
    resp.coordinators = {{"g1", 1, "h", 9092, 0, std::nullopt, {}}};
    const Bytes want_resp = {
        0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
        0x02,                    // coordinators: 1
        0x03, 'g',  '1',         //   key
        0x00, 0x00, 0x00, 0x01,  //   node_id
        0x02, 'h',               //   host
        0x00, 0x00, 0x23, 0x84,  //   port
        0x00, 0x00,              //   error_code
        0x00,                    //   error_message null
        0x00,                    //   tag buffer
        0x00,                    // tag buffer
    };
    EXPECT_EQ(encode(resp, 4), want_resp);
    FindCoordinatorResponse back;
    ASSERT_TRUE(decode_whole(back, want_resp, 4).ok());
    EXPECT_EQ(back.error_code, 0);
    EXPECT_TRUE(back.coordinators == resp.coordinators);
}

// --- nulls, versions and truncation -------------------------------------------------------------

}  // namespace
}  // namespace es::kafka::protocol
