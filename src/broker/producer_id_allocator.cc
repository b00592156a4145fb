#include "broker/producer_id_allocator.h"

#include "broker/errc.h"
#include "storage/file.h"

#include <charconv>
#include <limits>

namespace es::broker {

ProducerIdAllocator::ProducerIdAllocator(storage::FileSystem& fs, std::string path)
    : fs_(fs), path_(std::move(path)) {}

Status ProducerIdAllocator::load() {
    next_ = reserved_end_ = 0;
    if (!fs_.exists(path_)) return {};
    auto content = fs_.read_whole(path_);
    if (!content.ok()) {
        return Error(Errc::kafka_storage_error,
                     "reading producer id reservations: " + content.error().to_string());
    }
    std::string_view text = as_string_view(*content);
    if (text.ends_with('\n')) text.remove_suffix(1);
    int64_t value = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return Error(Errc::kafka_storage_error,
                     path_ +
                         " does not hold a producer id (it should be the end of the last "
                         "reserved block); restore it or write a number above every id "
                         "handed out so far");
    }
    next_ = reserved_end_ = value;
    return {};
}

Result<model::ProducerId> ProducerIdAllocator::next() {
    if (next_ == reserved_end_) {
        if (reserved_end_ > std::numeric_limits<int64_t>::max() - kBlockSize) {
            return Error(Errc::kafka_storage_error, "producer ids are exhausted");
        }
        int64_t end = reserved_end_ + kBlockSize;
        std::string text = std::to_string(end) + "\n";
        if (auto written = fs_.write_atomically(path_, as_bytes(text)); !written.ok()) {
            return Error(Errc::kafka_storage_error,
                         "reserving producer ids: " + written.error().to_string());
        }
        reserved_end_ = end;
    }
    return model::ProducerId(next_++);
}

}  // namespace es::broker
