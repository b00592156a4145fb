#include "broker/group_store.h"

#include "broker/group_records.h"
#include "broker/logger.h"

namespace es::broker {

void OffsetsTopicStore::open(std::function<void(Result<std::vector<GroupRecord>>)> done) {
    topic_.open([done](Result<std::vector<KeyValue>> stored) {
        if (!stored.ok()) return done(std::move(stored).error());
        std::vector<GroupRecord> records;
        records.reserve(stored->size());
        for (const KeyValue& kv : *stored) {
            auto decoded = decode_group_record(kv.key, kv.value_view());
            if (!decoded.ok()) {
                // One unreadable record must not cost every group its offsets.
                broker_log.error("{}: skipping a record: {}", kTopic, decoded.error().to_string());
                continue;
            }
            records.push_back(std::move(decoded).value());
        }
        done(std::move(records));
    });
}

void OffsetsTopicStore::write(std::vector<GroupRecord> records, std::function<void(Status)> done) {
    std::vector<KeyValue> encoded;
    encoded.reserve(records.size());
    for (const auto& r : records) {
        EncodedGroupRecord e = encode_group_record(r);
        encoded.push_back(KeyValue{std::move(e.key), std::move(e.value)});
    }
    topic_.write(encoded, std::move(done));
}

}  // namespace es::broker
