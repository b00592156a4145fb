// The durable formats of transactions: TxnMetadata records in __transaction_state and the
// producer state snapshot (v2 with transactions, v1 without), against valid and hostile bytes.

#include "broker/txn_records.h"

#include "base/byte_reader.h"
#include "base/crc32c.h"
#include "broker/errc.h"
#include "broker/producer_state.h"
#include "broker/txn_coordinator.h"

#include <gtest/gtest.h>

#include <climits>
#include <iostream>

namespace es::broker {
namespace {

using model::Offset;
using model::PartitionId;
using model::ProducerEpoch;
using model::ProducerId;

TxnMetadata sample(TxnState state) {
    TxnMetadata m;
    m.transactional_id = "tx-" + std::to_string(static_cast<int>(state));
    m.producer_id = ProducerId(4242);
    m.producer_epoch = ProducerEpoch(17);
    m.last_producer_id = ProducerId(12);
    m.timeout_ms = 30000;
    m.state = state;
    m.partitions = {{"orders", PartitionId(0)}, {"orders", PartitionId(3)}, {"z", PartitionId(1)}};
    m.groups = {"g1", "g2"};
    m.start_ms = 1700000000000;
    m.update_ms = 1700000000500;
    return m;
}

Result<DecodedTxnRecord> decode(const KeyValue& kv) {
    return decode_txn_record(
        kv.key, kv.value ? std::optional<BytesView>(*kv.value) : std::optional<BytesView>());
}

/// The value bytes of `m` up to (excluding) the partition count: 40 fixed bytes.
Bytes fixed_part(const TxnMetadata& m) {
    TxnMetadata bare = m;
    bare.partitions.clear();
    bare.groups.clear();
    Bytes v = *encode_txn_record(bare).value;
    v.resize(v.size() - 2);  // the two zero counts
    return v;
}

TEST(TxnRecordsTest, EveryStateRoundTrips) {
    for (uint8_t s = 0; s <= static_cast<uint8_t>(TxnState::dead); ++s) {
        TxnMetadata m = sample(static_cast<TxnState>(s));
        auto back = decode(encode_txn_record(m));
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(back->transactional_id, m.transactional_id);
        ASSERT_TRUE(back->metadata);
        const TxnMetadata& b = *back->metadata;
        EXPECT_EQ(b.transactional_id, m.transactional_id);
        EXPECT_EQ(b.producer_id, m.producer_id);
        EXPECT_EQ(b.producer_epoch, m.producer_epoch);
        EXPECT_EQ(b.last_producer_id, m.last_producer_id);
        EXPECT_EQ(b.timeout_ms, m.timeout_ms);
        EXPECT_EQ(b.state, m.state);
        EXPECT_EQ(b.partitions, m.partitions);
        EXPECT_EQ(b.groups, m.groups);
        EXPECT_EQ(b.start_ms, m.start_ms);
        EXPECT_EQ(b.update_ms, m.update_ms);
        EXPECT_EQ(txn_state_from_string(to_string(m.state)), m.state);
    }
    TxnMetadata empty = sample(TxnState::empty);
    empty.partitions.clear();
    empty.groups.clear();
    empty.last_producer_id = ProducerId(-1);
    auto back = decode(encode_txn_record(empty));
    ASSERT_TRUE(back.ok() && back->metadata);
    EXPECT_TRUE(back->metadata->partitions.empty());
    EXPECT_EQ(back->metadata->last_producer_id, ProducerId(-1));
    EXPECT_EQ(txn_state_from_string("Nonsense"), std::nullopt);
    std::cout << "checked: TxnMetadata in all 7 states, with partitions and groups, round-trips "
                 "through encode_txn_record/decode_txn_record\n";
}

TEST(TxnRecordsTest, ATombstoneDecodesToItsIdWithoutMetadata) {
    KeyValue kv = encode_txn_tombstone("gone");
    EXPECT_FALSE(kv.value);
    auto back = decode(kv);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->transactional_id, "gone");
    EXPECT_FALSE(back->metadata);
    TxnMetadata same_id = sample(TxnState::ongoing);
    same_id.transactional_id = "gone";
    EXPECT_EQ(kv.key, encode_txn_record(same_id).key) << "the same key: compaction replaces it";
    EXPECT_FALSE(decode(encode_txn_tombstone("")).ok()) << "an empty transactional id";
    std::cout << "checked: a tombstone decodes to its id with no metadata; an empty id is "
                 "refused\n";
}

TEST(TxnRecordsTest, EveryTruncationIsRefused) {
    KeyValue kv = encode_txn_record(sample(TxnState::prepare_commit));
    for (size_t n = 0; n < kv.value->size(); ++n) {
        BytesView cut = BytesView(*kv.value).first(n);
        auto r = decode_txn_record(kv.key, cut);
        EXPECT_FALSE(r.ok()) << "value cut to " << n << " bytes";
    }
    for (size_t n = 0; n < kv.key.size(); ++n) {
        auto r = decode_txn_record(BytesView(kv.key).first(n), std::nullopt);
        EXPECT_FALSE(r.ok()) << "key cut to " << n << " bytes";
    }
    std::cout << "checked: each of the " << kv.value->size() << " value and " << kv.key.size()
              << " key truncations is refused cleanly\n";
}

TEST(TxnRecordsTest, HostileValuesAreRefused) {
    TxnMetadata m = sample(TxnState::ongoing);
    KeyValue kv = encode_txn_record(m);
    auto refused = [&](const Bytes& value, const char* what) {
        auto r = decode_txn_record(kv.key, BytesView(value));
        EXPECT_FALSE(r.ok()) << what;
        if (!r.ok()) {
            EXPECT_FALSE(r.error().to_string().empty());
        }
    };
    // Huge counts: nothing is allocated for them.
    for (int32_t count : {INT32_MAX, INT32_MAX / 5, 1000, -1, -5}) {
        Bytes v = fixed_part(m);
        ByteWriter w(v);
        w.write_varint(count);
        w.write_varint(0);
        refused(v, "partition count");
        Bytes g = fixed_part(m);
        ByteWriter wg(g);
        wg.write_varint(0);
        wg.write_varint(count);
        wg.write_u8(1);
        refused(g, "group count");
    }
    // A partition whose topic length runs past the end.
    {
        Bytes v = fixed_part(m);
        ByteWriter w(v);
        w.write_varint(1);
        w.write_varint(1000);
        w.write_bytes(as_bytes("abcdefgh"));
        refused(v, "topic length");
    }
    // A negative partition index.
    {
        Bytes v = fixed_part(m);
        ByteWriter w(v);
        w.write_varint(1);
        w.write_varint_bytes(as_bytes("t"));
        w.write_i32(-1);
        w.write_varint(0);
        refused(v, "negative partition");
    }
    // Format versions.
    for (uint8_t format : {0, 2, 255}) {
        Bytes v = *kv.value;
        v[0] = format;
        refused(v, "value format");
        Bytes k = kv.key;
        k[0] = format;
        EXPECT_FALSE(decode_txn_record(k, std::nullopt).ok()) << "key format";
    }
    // State > 6 (dead).
    for (uint8_t state : {7, 8, 255}) {
        Bytes v = *kv.value;
        v[23] = state;
        refused(v, "state");
    }
    // Negative producer id, negative epoch, last producer id below -1, timeout <= 0.
    {
        Bytes v = *kv.value;
        v[1] = 0xff;  // the producer id's sign byte
        refused(v, "negative producer id");
        Bytes e = *kv.value;
        e[9] = 0x80;
        refused(e, "negative epoch");
        Bytes l = *kv.value;
        for (int i = 11; i < 19; ++i) l[i] = 0xff;
        l[18] = 0xfe;  // -2
        refused(l, "last producer id -2");
        Bytes t = *kv.value;
        for (int i = 19; i < 23; ++i) t[i] = 0;
        refused(t, "timeout 0");
    }
    // Trailing bytes after the value and after the key.
    {
        Bytes v = *kv.value;
        v.push_back(0);
        refused(v, "trailing value byte");
        Bytes k = kv.key;
        k.push_back(0);
        EXPECT_FALSE(decode_txn_record(k, BytesView(*kv.value)).ok()) << "trailing key byte";
    }
    // A null string where the id must be.
    {
        Bytes k;
        ByteWriter w(k);
        w.write_u8(1);
        w.write_varint_bytes(std::nullopt);
        EXPECT_FALSE(decode_txn_record(k, std::nullopt).ok()) << "null id";
    }
    std::cout << "checked: huge/negative partition and group counts, bad lengths and indexes, "
                 "format versions 0/2/255, states 7+, negative ids/epochs, timeout 0 and trailing "
                 "bytes are all refused without a crash\n";
}

// ---------------------------------------------------------------------------------------------
// Producer state snapshots

struct SnapProducer {
    int64_t id;
    int16_t epoch = 0;
    int64_t txn_first = -1;
};

/// A snapshot file with a valid CRC, for `offset`, in `version` (1: no transaction fields).
Bytes snapshot(int16_t version, int64_t offset, const std::vector<SnapProducer>& producers,
               std::optional<int32_t> aborted_count = std::nullopt,
               const std::vector<AbortedTxn>& aborted = {}) {
    Bytes out;
    ByteWriter w(out);
    w.write_i16(version);
    size_t crc_at = w.reserve(4);
    w.write_i64(offset);
    w.write_i32(static_cast<int32_t>(producers.size()));
    for (const auto& p : producers) {
        w.write_i64(p.id);
        w.write_i16(p.epoch);
        w.write_i64(1000);
        if (version >= 2) w.write_i64(p.txn_first);
        w.write_i8(1);
        w.write_i32(0);
        w.write_i32(0);
        w.write_i64(p.txn_first >= 0 ? p.txn_first : 0);
        w.write_i64(p.txn_first >= 0 ? p.txn_first : 0);
        w.write_i64(1000);
    }
    if (version >= 2) {
        w.write_i32(aborted_count.value_or(static_cast<int32_t>(aborted.size())));
        for (const auto& a : aborted) {
            w.write_i64(a.producer_id.value());
            w.write_i64(a.first_offset.value());
            w.write_i64(a.last_offset.value());
        }
    }
    w.patch_u32(crc_at, crc32c::value(BytesView(out).subspan(crc_at + 4)));
    return out;
}

bool corrupt(const Result<ProducerStateTable>& r) {
    return !r.ok() && r.error().is(Errc::kafka_storage_error);
}

TEST(TxnSnapshotTest, AV2SnapshotRoundTripsOpenAndAbortedTransactions) {
    Bytes data =
        snapshot(2, 50, {{1, 0, 10}, {2, 3, -1}, {3, 1, 20}}, std::nullopt,
                 {{ProducerId(2), Offset(2), Offset(5)}, {ProducerId(9), Offset(6), Offset(8)}});
    auto table = ProducerStateTable::decode(data, Offset(50));
    ASSERT_TRUE(table.ok()) << table.error().to_string();
    EXPECT_EQ(table->open_transactions(), 2u);
    EXPECT_EQ(table->first_unstable_offset(), Offset(10));
    ASSERT_EQ(table->aborted().size(), 2u);
    EXPECT_TRUE(table->is_aborted(ProducerId(9), Offset(7)));
    EXPECT_FALSE(table->is_aborted(ProducerId(9), Offset(5)));
    EXPECT_FALSE(table->is_aborted(ProducerId(2), Offset(6)));
    EXPECT_EQ(table->aborted_between(Offset(6), Offset(7)).size(), 1u);
    EXPECT_EQ(table->aborted_between(Offset(0), Offset(100)).size(), 2u);
    EXPECT_TRUE(table->aborted_between(Offset(9), Offset(100)).empty());
    // Encoding it again gives the same bytes (producers in id order, same layout).
    EXPECT_EQ(table->encode(Offset(50)), data);
    table->remove_aborted_before(Offset(6));
    ASSERT_EQ(table->aborted().size(), 1u);
    EXPECT_EQ(table->aborted()[0].producer_id, ProducerId(9));
    EXPECT_TRUE(table->dirty());
    std::cout
        << "checked: a v2 snapshot with 2 open and 2 aborted transactions decodes, re-encodes "
           "byte for byte, and answers is_aborted/aborted_between/remove_aborted_before\n";
}

TEST(TxnSnapshotTest, AV1SnapshotDecodesAsNoTransactions) {
    Bytes data = snapshot(1, 7, {{1, 2}, {5, 0}});
    auto table = ProducerStateTable::decode(data, Offset(7));
    ASSERT_TRUE(table.ok()) << table.error().to_string();
    EXPECT_EQ(table->size(), 2u);
    EXPECT_EQ(table->open_transactions(), 0u);
    EXPECT_EQ(table->first_unstable_offset(), std::nullopt);
    EXPECT_TRUE(table->aborted().empty());
    ASSERT_NE(table->find(ProducerId(1)), nullptr);
    EXPECT_EQ(table->find(ProducerId(1))->epoch, ProducerEpoch(2));
    EXPECT_EQ(table->find(ProducerId(1))->txn_first_offset, Offset(-1));
    EXPECT_EQ(table->encode(Offset(7))[1], 2) << "written back as v2";
    std::cout << "checked: a v1 snapshot decodes with its producers and no open or aborted "
                 "transactions\n";
}

TEST(TxnSnapshotTest, HostileV2SnapshotsAreRefused) {
    // An aborted count larger than the file could hold.
    for (int32_t count : {INT32_MAX, 2, -1}) {
        Bytes data = snapshot(2, 0, {{1}}, count, {{ProducerId(1), Offset(0), Offset(1)}});
        EXPECT_TRUE(corrupt(ProducerStateTable::decode(data, Offset(0)))) << count;
    }
    // Aborted entries out of order, or with the same marker offset.
    EXPECT_TRUE(corrupt(ProducerStateTable::decode(
        snapshot(2, 0, {}, std::nullopt,
                 {{ProducerId(1), Offset(5), Offset(9)}, {ProducerId(2), Offset(1), Offset(3)}}),
        Offset(0))));
    EXPECT_TRUE(corrupt(ProducerStateTable::decode(
        snapshot(2, 0, {}, std::nullopt,
                 {{ProducerId(1), Offset(1), Offset(4)}, {ProducerId(2), Offset(2), Offset(4)}}),
        Offset(0))));
    // A range ending before it starts, negative values.
    EXPECT_TRUE(corrupt(ProducerStateTable::decode(
        snapshot(2, 0, {}, std::nullopt, {{ProducerId(1), Offset(5), Offset(4)}}), Offset(0))));
    EXPECT_TRUE(corrupt(ProducerStateTable::decode(
        snapshot(2, 0, {}, std::nullopt, {{ProducerId(-1), Offset(0), Offset(4)}}), Offset(0))));
    EXPECT_TRUE(corrupt(ProducerStateTable::decode(
        snapshot(2, 0, {}, std::nullopt, {{ProducerId(1), Offset(-3), Offset(4)}}), Offset(0))));
    // Two open transactions at the same offset; an open transaction at -2.
    EXPECT_TRUE(
        corrupt(ProducerStateTable::decode(snapshot(2, 0, {{1, 0, 4}, {2, 0, 4}}), Offset(0))));
    EXPECT_TRUE(corrupt(ProducerStateTable::decode(snapshot(2, 0, {{1, 0, -2}}), Offset(0))));
    // A huge producer count; unknown versions; a trailing byte (with a valid CRC).
    {
        Bytes data = snapshot(2, 0, {{1}});
        data[14] = 0x7f;  // producer count's high byte
        auto crc = crc32c::value(BytesView(data).subspan(6));
        Bytes fixed = data;
        ByteWriter(fixed).patch_u32(2, crc);
        EXPECT_TRUE(corrupt(ProducerStateTable::decode(fixed, Offset(0))));
    }
    for (int16_t version : {0, 3, -1}) {
        EXPECT_TRUE(corrupt(ProducerStateTable::decode(snapshot(version, 0, {{1}}), Offset(0))));
    }
    {
        Bytes data = snapshot(2, 0, {{1}});
        data.push_back(0);
        ByteWriter(data).patch_u32(2, crc32c::value(BytesView(data).subspan(6)));
        EXPECT_TRUE(corrupt(ProducerStateTable::decode(data, Offset(0))));
    }
    // Every truncation of a valid v2 snapshot.
    Bytes good = snapshot(2, 3, {{1, 0, 1}}, std::nullopt, {{ProducerId(2), Offset(0), Offset(0)}});
    ASSERT_TRUE(ProducerStateTable::decode(good, Offset(3)).ok());
    for (size_t n = 0; n < good.size(); ++n) {
        Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
        if (n >= 6) ByteWriter(cut).patch_u32(2, crc32c::value(BytesView(cut).subspan(6)));
        EXPECT_TRUE(corrupt(ProducerStateTable::decode(cut, Offset(3)))) << n;
    }
    std::cout << "checked: v2 snapshots with a too large aborted count, out-of-order or inverted "
                 "aborted ranges, two open transactions at one offset, bad versions, trailing "
                 "bytes and every truncation are refused as kafka_storage_error\n";
}

}  // namespace
}  // namespace es::broker
