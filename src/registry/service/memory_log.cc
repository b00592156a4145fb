#include "registry/service/memory_log.h"

#include "registry/service/errc.h"

#include <utility>

namespace es::registry::service {

MemoryLog::MemoryLog(std::vector<LogRecord> initial, bool writable)
    : records_(std::move(initial)), writable_(writable) {}

Status MemoryLog::start(Apply apply) {
    std::lock_guard lock(mutex_);
    apply_ = std::move(apply);
    for (const auto& r : records_) apply_(r);
    return ok_status();
}

Status MemoryLog::append(const std::vector<LogRecord>& records) {
    std::lock_guard lock(mutex_);
    if (!writable_) return Error(Errc::not_leader, "this registry is not the writer");
    if (stopped_ || !apply_) return Error(Errc::store_error, "the schema log is not running");
    if (fail_next_) {
        fail_next_ = false;
        return Error(Errc::store_error, "injected store failure");
    }
    for (const auto& r : records) {
        records_.push_back(r);
        apply_(r);
    }
    return ok_status();
}

void MemoryLog::stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
}

std::vector<LogRecord> MemoryLog::records() const {
    std::lock_guard lock(mutex_);
    return records_;
}

void MemoryLog::fail_next_append() {
    std::lock_guard lock(mutex_);
    fail_next_ = true;
}

}  // namespace es::registry::service
