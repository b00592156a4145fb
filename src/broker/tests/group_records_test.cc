#include "broker/group_records.h"

#include <gtest/gtest.h>

#include <random>

namespace es::broker {
namespace {

GroupRecord offset_record() {
    GroupRecord r;
    r.kind = GroupRecord::Kind::offset;
    r.group_id = "payments";
    r.tp = {"orders", model::PartitionId(7)};
    r.offset = CommittedOffset{r.tp, 12345, 4, std::string("meta"), 1700000000000};
    return r;
}

GroupRecord group_record() {
    GroupRecord r;
    r.kind = GroupRecord::Kind::group;
    r.group_id = "payments";
    GroupDescription& g = r.group.emplace();
    g.group_id = "payments";
    g.state = GroupState::stable;
    g.protocol_type = "consumer";
    g.protocol_name = "cooperative-sticky";
    g.generation_id = 9;
    g.members.push_back({"m-1", std::string("host-a"), "client", "/10.0.0.1", Bytes{1, 2}, Bytes{3},
                         45000, 300000});
    g.members.push_back({"m-2", std::nullopt, "client", "/10.0.0.2", {}, {}, 10000, 60000});
    return r;
}

GroupRecord round_trip(const GroupRecord& r) {
    auto encoded = encode_group_record(r);
    auto value = encoded.value ? std::optional<BytesView>(*encoded.value) : std::nullopt;
    auto decoded = decode_group_record(encoded.key, value);
    EXPECT_TRUE(decoded.ok()) << decoded.error().to_string();
    return decoded.ok() ? *decoded : GroupRecord{};
}

TEST(GroupRecords, OffsetsGroupsAndTombstonesRoundTrip) {
    auto o = round_trip(offset_record());
    EXPECT_EQ(o.group_id, "payments");
    EXPECT_EQ(o.tp, (model::TopicPartition{"orders", model::PartitionId(7)}));
    ASSERT_TRUE(o.offset);
    EXPECT_EQ(o.offset->offset, 12345);
    EXPECT_EQ(o.offset->leader_epoch, 4);
    EXPECT_EQ(o.offset->metadata, "meta");
    EXPECT_EQ(o.offset->commit_timestamp_ms, 1700000000000);

    auto g = round_trip(group_record());
    ASSERT_TRUE(g.group);
    EXPECT_EQ(g.group->generation_id, 9);
    EXPECT_EQ(g.group->protocol_name, "cooperative-sticky");
    ASSERT_EQ(g.group->members.size(), 2u);
    EXPECT_EQ(g.group->members[0].group_instance_id, "host-a");
    EXPECT_EQ(g.group->members[0].assignment, (Bytes{3}));
    EXPECT_EQ(g.group->members[0].session_timeout_ms, 45000);
    EXPECT_FALSE(g.group->members[1].group_instance_id);

    GroupRecord tomb = offset_record();
    tomb.offset.reset();
    auto t = round_trip(tomb);
    EXPECT_FALSE(t.offset);
    EXPECT_EQ(t.tp.partition, model::PartitionId(7));
    GroupRecord gone = group_record();
    gone.group.reset();
    EXPECT_FALSE(round_trip(gone).group);
}

TEST(GroupRecords, KeysOfTheSameThingAreEqualSoCompactionKeepsTheLatest) {
    auto a = offset_record();
    auto b = offset_record();
    b.offset->offset = 99;
    EXPECT_EQ(encode_group_record(a).key, encode_group_record(b).key);
    auto other = offset_record();
    other.tp.partition = model::PartitionId(8);
    EXPECT_NE(encode_group_record(a).key, encode_group_record(other).key);
}

TEST(GroupRecords, EveryTruncationAndTrailingByteIsRefused) {
    for (const auto& r : {offset_record(), group_record()}) {
        auto e = encode_group_record(r);
        for (size_t n = 0; n < e.key.size(); ++n) {
            EXPECT_FALSE(decode_group_record(BytesView(e.key).first(n), *e.value).ok()) << n;
        }
        for (size_t n = 0; n < e.value->size(); ++n) {
            EXPECT_FALSE(decode_group_record(e.key, BytesView(*e.value).first(n)).ok()) << n;
        }
        Bytes longer = *e.value;
        longer.push_back(0);
        EXPECT_FALSE(decode_group_record(e.key, BytesView(longer)).ok());
    }
}

TEST(GroupRecords, HostileFormatsCountsAndRandomBytesAreRefusedCleanly) {
    auto e = encode_group_record(group_record());
    Bytes bad_version = e.key;
    bad_version[0] = 9;
    EXPECT_FALSE(decode_group_record(bad_version, *e.value).ok());
    Bytes bad_kind = e.key;
    bad_kind[1] = 7;
    EXPECT_FALSE(decode_group_record(bad_kind, *e.value).ok());
    // A member count of a billion in a value of a few bytes.
    Bytes value = {1, 2, 'c', 'o', 2, 'r', 'r', 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x08};
    auto huge = decode_group_record(e.key, BytesView(value));
    EXPECT_FALSE(huge.ok());

    std::mt19937 rng(5);
    for (int i = 0; i < 20000; ++i) {
        Bytes key(rng() % 40), val(rng() % 80);
        for (auto& b : key) b = static_cast<uint8_t>(rng());
        for (auto& b : val) b = static_cast<uint8_t>(rng());
        if (i % 2 && !key.empty()) key[0] = 1;
        (void)decode_group_record(key, BytesView(val));  // must not crash or over-read
    }
}

}  // namespace
}  // namespace es::broker
