#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "model/compression.h"
#include "model/strong_int.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace es::model {

/// Byte positions of Kafka's record batch v2 header. Everything is big-endian. The CRC32C at
/// `crc` covers the bytes from `attributes` to the end of the batch, so the base offset and
/// the partition leader epoch can be rewritten without touching it.
namespace batch_layout {
constexpr size_t base_offset = 0;
constexpr size_t batch_length = 8;  // counts the bytes after this field
constexpr size_t partition_leader_epoch = 12;
constexpr size_t magic = 16;
constexpr size_t crc = 17;
constexpr size_t attributes = 21;
constexpr size_t last_offset_delta = 23;
constexpr size_t first_timestamp = 27;
constexpr size_t max_timestamp = 35;
constexpr size_t producer_id = 43;
constexpr size_t producer_epoch = 51;
constexpr size_t base_sequence = 53;
constexpr size_t record_count = 57;
constexpr size_t records = 61;
/// base offset + batch length: the part of a batch that batch_length does not count.
constexpr size_t log_overhead = 12;
constexpr size_t header_size = 61;
}  // namespace batch_layout

enum class TimestampType : uint8_t { create_time = 0, log_append_time = 1 };

namespace batch_attributes {
constexpr int16_t compression_mask = 0x07;
constexpr int16_t log_append_time = 0x08;
constexpr int16_t transactional = 0x10;
constexpr int16_t control = 0x20;
constexpr int16_t delete_horizon = 0x40;
}  // namespace batch_attributes

struct RecordHeader {
    BytesView key;
    std::optional<BytesView> value;
};

/// One decoded record. Keys, values and header bytes point into the batch (uncompressed) or
/// into the RecordSet that owns the decompressed bytes.
struct Record {
    int8_t attributes = 0;
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    std::optional<BytesView> key;
    std::optional<BytesView> value;
    std::vector<RecordHeader> headers;
};

/// The records of a batch, decoded; owns the decompressed payload when there is one.
class RecordSet {
  public:
    const std::vector<Record>& records() const { return records_; }
    size_t size() const { return records_.size(); }
    auto begin() const { return records_.begin(); }
    auto end() const { return records_.end(); }

  private:
    friend class RecordBatchView;
    Bytes decompressed_;
    std::vector<Record> records_;
};

/// A transaction marker: the one record of a control batch.
struct ControlRecord {
    enum class Type : int16_t { abort = 0, commit = 1 };
    int16_t version = 0;
    Type type = Type::abort;
    int32_t coordinator_epoch = 0;
};

/// A validated, read-only view of one v2 record batch. It does not own the bytes.
class RecordBatchView {
  public:
    /// Size of the batch that starts at `bytes` (log overhead + batch length), read from the
    /// length field alone. Fails with base Errc::truncated when fewer than 12 bytes are given and
    /// with Errc::invalid_batch when the length cannot hold a v2 header. The result may exceed
    /// bytes.size(): the caller decides whether that is a torn tail or a short read.
    static Result<size_t> frame_size(BytesView bytes);

    /// Parses the batch at the start of `bytes` and checks its header: length, magic 2, codec,
    /// offset delta and count, and (unless verify_crc is false) the CRC32C.
    static Result<RecordBatchView> parse(BytesView bytes, bool verify_crc = true);

    BytesView bytes() const { return bytes_; }
    size_t size() const { return bytes_.size(); }

    Offset base_offset() const;
    Offset last_offset() const { return base_offset() + last_offset_delta(); }
    int32_t batch_length() const;
    int32_t partition_leader_epoch() const;
    uint32_t crc() const;
    int16_t attributes() const;
    int32_t last_offset_delta() const;
    int64_t first_timestamp() const;
    int64_t max_timestamp() const;
    ProducerId producer_id() const;
    ProducerEpoch producer_epoch() const;
    int32_t base_sequence() const;
    int32_t record_count() const;

    Compression compression() const {
        return static_cast<Compression>(attributes() & batch_attributes::compression_mask);
    }
    TimestampType timestamp_type() const {
        return (attributes() & batch_attributes::log_append_time) ? TimestampType::log_append_time
                                                                  : TimestampType::create_time;
    }
    bool is_transactional() const { return attributes() & batch_attributes::transactional; }
    bool is_control() const { return attributes() & batch_attributes::control; }
    bool has_producer_id() const { return producer_id().value() >= 0; }

    /// The records section as stored (compressed when the batch is).
    BytesView records_section() const { return bytes_.subspan(batch_layout::records); }

    /// Decodes every record, decompressing first when needed (never more than
    /// max_decompressed bytes). Checks that each record's length matches its fields, that the
    /// count matches the header and that no bytes are left over.
    Result<RecordSet> records(size_t max_decompressed) const;
    /// The check a broker makes before it stores a producer's batch, without building records:
    /// every record decodes, offset deltas are exactly 0..n-1 with n the record count and the
    /// header's last offset delta n-1, and (keys_required) no key is null. False on any doubt;
    /// records() then says what is wrong. Decompresses into a scratch buffer when compressed.
    bool records_are_sequential(size_t max_decompressed, bool keys_required) const;

    /// The CRC32C the batch should carry (over attributes..end).
    uint32_t computed_crc() const;

  private:
    explicit RecordBatchView(BytesView bytes) : bytes_(bytes) {}
    BytesView bytes_;
};

/// Decodes the key and value of a control batch's record.
Result<ControlRecord> parse_control_record(const Record& record);

// In-place rewrites the broker performs on append. The batch must have been parsed first.
void set_base_offset(MutableBytesView batch, Offset base);
void set_partition_leader_epoch(MutableBytesView batch, int32_t epoch);
/// Marks the batch as log-append time with max timestamp `timestamp_ms` (what consumers then
/// report for every record), and recomputes the CRC, which covers both fields.
void set_log_append_time(MutableBytesView batch, int64_t timestamp_ms);

struct BatchOptions {
    Compression compression = Compression::none;
    TimestampType timestamp_type = TimestampType::create_time;
    ProducerId producer_id{-1};
    ProducerEpoch producer_epoch{-1};
    int32_t base_sequence = -1;
    int32_t partition_leader_epoch = -1;
    bool transactional = false;
    bool control = false;
};

struct RecordSpec {
    std::optional<BytesView> key;
    std::optional<BytesView> value;
    int64_t timestamp = 0;
    std::span<const RecordHeader> headers = {};
};

/// Encodes a v2 batch: what clients send, and what compaction writes back.
class RecordBatchBuilder {
  public:
    explicit RecordBatchBuilder(Offset base_offset, BatchOptions options = {});

    /// Appends a record with the next offset delta (or `offset_delta` when given, which must
    /// grow: compaction keeps the original offsets of the records it retains).
    RecordBatchBuilder& add(const RecordSpec& record, std::optional<int32_t> offset_delta = {});
    RecordBatchBuilder& add(std::optional<BytesView> key, std::optional<BytesView> value,
                            int64_t timestamp) {
        return add(RecordSpec{key, value, timestamp, {}});
    }
    /// Keeps the header's last offset delta past the last record (a compacted batch still
    /// covers the offsets of the records it dropped).
    void set_last_offset_delta(int32_t delta) { last_offset_delta_ = delta; }

    size_t record_count() const { return count_; }
    size_t records_bytes() const { return records_.size(); }

    Result<Bytes> build() const;

  private:
    Offset base_offset_;
    BatchOptions options_;
    Bytes records_;
    size_t count_ = 0;
    int32_t next_delta_ = 0;
    std::optional<int32_t> last_offset_delta_;
    std::optional<int64_t> first_timestamp_;
    int64_t max_timestamp_ = -1;
};

/// A control batch holding one commit or abort marker.
Bytes make_control_batch(Offset base, ProducerId producer_id, ProducerEpoch epoch,
                         ControlRecord::Type type, int32_t coordinator_epoch, int64_t timestamp_ms);

}  // namespace es::model
