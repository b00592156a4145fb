#include "model/record_batch.h"

#include "base/crc32c.h"
#include "base/errc.h"
#include "model/errc.h"

#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace es::model {
namespace {

constexpr size_t kMaxInflate = 1 << 20;

Bytes sample_batch(Compression codec = Compression::none, int n = 3) {
    BatchOptions opts;
    opts.compression = codec;
    opts.producer_id = ProducerId(77);
    opts.producer_epoch = ProducerEpoch(2);
    opts.base_sequence = 10;
    RecordBatchBuilder b(Offset(0), opts);
    const RecordHeader headers[] = {{as_bytes("trace"), as_bytes("abc")},
                                    {as_bytes("empty"), std::nullopt}};
    for (int i = 0; i < n; ++i) {
        std::string key = "key-" + std::to_string(i);
        std::string value = "value-" + std::to_string(i);
        b.add(RecordSpec{as_bytes(key), as_bytes(value), 1000 + i, headers});
    }
    return std::move(b.build()).value();
}

TEST(RecordBatch, BuildsAndParsesEveryHeaderField) {
    Bytes bytes = sample_batch();
    auto view = RecordBatchView::parse(bytes);
    ASSERT_TRUE(view.ok()) << view.error().to_string();
    EXPECT_EQ(view->size(), bytes.size());
    EXPECT_EQ(view->base_offset(), Offset(0));
    EXPECT_EQ(view->last_offset(), Offset(2));
    EXPECT_EQ(view->record_count(), 3);
    EXPECT_EQ(view->first_timestamp(), 1000);
    EXPECT_EQ(view->max_timestamp(), 1002);
    EXPECT_EQ(view->producer_id(), ProducerId(77));
    EXPECT_EQ(view->producer_epoch(), ProducerEpoch(2));
    EXPECT_EQ(view->base_sequence(), 10);
    EXPECT_EQ(view->compression(), Compression::none);
    EXPECT_EQ(view->timestamp_type(), TimestampType::create_time);
    EXPECT_FALSE(view->is_transactional());
    EXPECT_FALSE(view->is_control());
    EXPECT_EQ(*RecordBatchView::frame_size(bytes), bytes.size());
}

TEST(RecordBatch, DecodesRecordsWithHeadersAndNulls) {
    RecordBatchBuilder b(Offset(100));
    b.add(std::nullopt, as_bytes("v0"), 5);
    b.add(as_bytes("k1"), std::nullopt, 3);
    b.add(as_bytes(""), as_bytes(""), 9);
    Bytes bytes = std::move(b.build()).value();
    auto view = RecordBatchView::parse(bytes);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->first_timestamp(), 5);
    EXPECT_EQ(view->max_timestamp(), 9);
    auto set = view->records(kMaxInflate);
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    ASSERT_EQ(set->size(), 3u);
    const auto& r = set->records();
    EXPECT_FALSE(r[0].key.has_value());
    EXPECT_EQ(as_string_view(*r[0].value), "v0");
    EXPECT_EQ(r[1].timestamp_delta, -2);
    EXPECT_FALSE(r[1].value.has_value());
    EXPECT_EQ(r[2].offset_delta, 2);
    EXPECT_TRUE(r[2].key->empty());

    Bytes header_bytes = sample_batch();
    auto with_headers = RecordBatchView::parse(header_bytes);
    auto hset = with_headers->records(kMaxInflate);
    ASSERT_TRUE(hset.ok());
    ASSERT_EQ(hset->records()[1].headers.size(), 2u);
    EXPECT_EQ(as_string_view(hset->records()[1].headers[0].value.value()), "abc");
    EXPECT_FALSE(hset->records()[1].headers[1].value.has_value());
}

TEST(RecordBatch, EveryCodecRoundTrips) {
    for (auto codec :
         {Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd}) {
        Bytes bytes = sample_batch(codec, 50);
        auto view = RecordBatchView::parse(bytes);
        ASSERT_TRUE(view.ok()) << to_string(codec);
        EXPECT_EQ(view->compression(), codec);
        auto set = view->records(kMaxInflate);
        ASSERT_TRUE(set.ok()) << to_string(codec) << ": " << set.error().to_string();
        ASSERT_EQ(set->size(), 50u);
        EXPECT_EQ(as_string_view(*set->records()[49].value), "value-49");
    }
}

TEST(RecordBatch, DecompressionLimitIsEnforced) {
    Bytes bytes = sample_batch(Compression::zstd, 200);
    auto set = RecordBatchView::parse(bytes)->records(/*max_decompressed=*/100);
    ASSERT_FALSE(set.ok());
    EXPECT_TRUE(set.error().is(Errc::decompressed_too_large)) << set.error().to_string();
}

TEST(RecordBatch, AnyBitFlipCoveredByTheCrcIsDetected) {
    Bytes good = sample_batch();
    for (size_t i = batch_layout::attributes; i < good.size(); ++i) {
        Bytes bad = good;
        bad[i] ^= 0x10;
        auto view = RecordBatchView::parse(bad);
        ASSERT_FALSE(view.ok()) << "flip at byte " << i;
    }
    // The base offset and leader epoch are outside the CRC by design: the broker rewrites them.
    Bytes moved = good;
    set_base_offset(moved, Offset(12345));
    set_partition_leader_epoch(moved, 9);
    auto view = RecordBatchView::parse(moved);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->base_offset(), Offset(12345));
    EXPECT_EQ(view->last_offset(), Offset(12347));
    EXPECT_EQ(view->partition_leader_epoch(), 9);
}

TEST(RecordBatch, LogAppendTimeRewriteKeepsTheCrcValid) {
    Bytes bytes = sample_batch();
    set_log_append_time(bytes, 99999);
    auto view = RecordBatchView::parse(bytes);
    ASSERT_TRUE(view.ok()) << view.error().to_string();
    EXPECT_EQ(view->timestamp_type(), TimestampType::log_append_time);
    EXPECT_EQ(view->max_timestamp(), 99999);
}

TEST(RecordBatch, RejectsOldMagicHostileLengthsAndTruncation) {
    Bytes bytes = sample_batch();
    Bytes v1 = bytes;
    v1[batch_layout::magic] = 1;
    EXPECT_TRUE(RecordBatchView::parse(v1).error().is(Errc::unsupported_magic));

    Bytes huge = bytes;
    store_be32(huge.data() + batch_layout::batch_length, 0x7fffffff);
    EXPECT_TRUE(RecordBatchView::parse(huge).error().is(es::Errc::truncated));

    Bytes tiny = bytes;
    store_be32(tiny.data() + batch_layout::batch_length, 10);
    EXPECT_TRUE(RecordBatchView::parse(tiny).error().is(Errc::invalid_batch));

    for (size_t n = 0; n < bytes.size(); ++n) {
        auto view = RecordBatchView::parse(BytesView(bytes).first(n));
        ASSERT_FALSE(view.ok()) << "prefix of " << n << " bytes";
    }
}

TEST(RecordBatch, HeaderFieldsOutOfRangeAreInvalid) {
    // The view points into the bytes, so they are kept alive beside it.
    std::vector<Bytes> kept;
    auto with = [&kept](auto mutate) {
        Bytes& b = kept.emplace_back(sample_batch());
        mutate(b);
        store_be32(b.data() + batch_layout::crc,
                   crc32c::value(BytesView(b).subspan(batch_layout::attributes)));
        return RecordBatchView::parse(b);
    };
    EXPECT_TRUE(with([](Bytes& b) { store_be32(b.data() + batch_layout::record_count, 5); })
                    .error()
                    .is(Errc::invalid_batch));
    EXPECT_TRUE(with([](Bytes& b) { store_be32(b.data() + batch_layout::last_offset_delta, -1); })
                    .error()
                    .is(Errc::invalid_batch));
    EXPECT_TRUE(with([](Bytes& b) { store_be16(b.data() + batch_layout::attributes, 6); })
                    .error()
                    .is(Errc::unsupported_compression));
    // A count that passes the header check but not the records: fewer records than claimed.
    auto short_count = with([](Bytes& b) { store_be32(b.data() + batch_layout::record_count, 2); });
    ASSERT_TRUE(short_count.ok());
    EXPECT_FALSE(short_count->records(kMaxInflate).ok());
}

TEST(RecordBatch, GarbledRecordsNeverCrashTheDecoder) {
    std::mt19937 rng(5);
    Bytes good = sample_batch(Compression::none, 10);
    int rejected = 0;
    for (int round = 0; round < 3000; ++round) {
        Bytes b = good;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            size_t at = batch_layout::records + rng() % (b.size() - batch_layout::records);
            b[at] = static_cast<uint8_t>(rng());
        }
        store_be32(b.data() + batch_layout::crc,
                   crc32c::value(BytesView(b).subspan(batch_layout::attributes)));
        auto view = RecordBatchView::parse(b);
        ASSERT_TRUE(view.ok());
        if (!view->records(kMaxInflate).ok()) ++rejected;
    }
    std::printf("garbled record sections rejected: %d of 3000\n", rejected);
    EXPECT_GT(rejected, 1000);
}

TEST(RecordBatch, ControlBatchCarriesTheMarker) {
    Bytes bytes = make_control_batch(Offset(40), ProducerId(5), ProducerEpoch(1),
                                     ControlRecord::Type::commit, 3, 1234);
    auto view = RecordBatchView::parse(bytes);
    ASSERT_TRUE(view.ok());
    EXPECT_TRUE(view->is_control());
    EXPECT_TRUE(view->is_transactional());
    auto set = view->records(kMaxInflate);
    ASSERT_TRUE(set.ok());
    auto marker = parse_control_record(set->records()[0]);
    ASSERT_TRUE(marker.ok());
    EXPECT_EQ(marker->type, ControlRecord::Type::commit);
    EXPECT_EQ(marker->coordinator_epoch, 3);
}

TEST(RecordBatch, CompactedBatchKeepsOffsetsAndLastDelta) {
    RecordBatchBuilder b(Offset(10));
    b.add(RecordSpec{as_bytes("a"), as_bytes("1"), 1}, 1);
    b.add(RecordSpec{as_bytes("b"), as_bytes("2"), 2}, 4);
    b.set_last_offset_delta(6);
    Bytes bytes = std::move(b.build()).value();
    auto view = RecordBatchView::parse(bytes);
    ASSERT_TRUE(view.ok()) << view.error().to_string();
    EXPECT_EQ(view->last_offset(), Offset(16));
    auto set = view->records(kMaxInflate);
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->records()[1].offset_delta, 4);
}

}  // namespace
}  // namespace es::model

namespace es::model {
namespace {

/// What the broker requires, the slow way: records() decodes, deltas are 0..n-1, keys present.
bool sequential_the_slow_way(const RecordBatchView& batch, bool keys_required) {
    auto records = batch.records(1 << 20);
    if (!records.ok()) return false;
    if (static_cast<int64_t>(records->size()) != int64_t{batch.last_offset_delta()} + 1) {
        return false;
    }
    int32_t expected = 0;
    for (const auto& r : *records) {
        if (r.offset_delta != expected++ || (keys_required && !r.key)) return false;
    }
    return true;
}

TEST(RecordBatch, TheFastSequentialCheckNeverAcceptsWhatDecodingRefuses) {
    std::mt19937 rng(7);
    size_t accepted = 0, refused = 0;
    for (Compression codec : {Compression::none, Compression::lz4}) {
        BatchOptions options;
        options.compression = codec;
        RecordBatchBuilder builder(Offset(0), options);
        std::vector<RecordHeader> headers = {{as_bytes("h"), as_bytes("v")}};
        for (int i = 0; i < 20; ++i) {
            std::string key = "key-" + std::to_string(i);
            std::string value(static_cast<size_t>(i * 7), 'x');
            builder.add(RecordSpec{i == 3 ? std::nullopt : std::optional<BytesView>(as_bytes(key)),
                                   as_bytes(value), 1000 + i, headers});
        }
        Bytes good = std::move(builder.build()).value();
        auto view = RecordBatchView::parse(good);
        ASSERT_TRUE(view.ok());
        EXPECT_TRUE(view->records_are_sequential(1 << 20, false));
        EXPECT_FALSE(view->records_are_sequential(1 << 20, true)) << "record 3 has no key";
        // Every single-byte change of the records section: the fast check may refuse what the
        // slow one accepts (it then takes the slow path), never the other way round.
        for (size_t pos = 61; pos < good.size(); ++pos) {
            for (int trial = 0; trial < 3; ++trial) {
                Bytes bad = good;
                bad[pos] = static_cast<uint8_t>(rng());
                auto mutated = RecordBatchView::parse(bad, /*verify_crc=*/false);
                if (!mutated.ok()) continue;
                for (bool keys : {false, true}) {
                    bool fast = mutated->records_are_sequential(1 << 20, keys);
                    if (fast) {
                        EXPECT_TRUE(sequential_the_slow_way(*mutated, keys))
                            << "byte " << pos << " codec " << static_cast<int>(codec);
                        ++accepted;
                    } else {
                        ++refused;
                    }
                }
            }
        }
    }
    std::cout << "checked: over " << accepted + refused
              << " mutated batches (none and lz4), the fast record check accepted " << accepted
              << ", each also valid when decoded record by record\n";
}

}  // namespace
}  // namespace es::model
