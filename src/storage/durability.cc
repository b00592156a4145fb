#include "storage/durability.h"

#include "storage/errc.h"

#include <algorithm>

namespace es::storage {

void LogDurability::note_written(model::Offset end, const std::shared_ptr<File>& file) {
    std::lock_guard lock(mu_);
    written_end_ = std::max(written_end_, end);
    if (std::find(dirty_.begin(), dirty_.end(), file) == dirty_.end()) dirty_.push_back(file);
}

void LogDurability::note_dirty(const std::shared_ptr<File>& file) {
    std::lock_guard lock(mu_);
    if (std::find(dirty_.begin(), dirty_.end(), file) == dirty_.end()) dirty_.push_back(file);
}

Result<model::Offset> LogDurability::sync() {
    std::lock_guard sync_lock(sync_mu_);
    std::vector<std::shared_ptr<File>> files;
    model::Offset covers;
    {
        std::lock_guard lock(mu_);
        if (failed_) return Error(Errc::log_failed, failed_->to_string());
        files.swap(dirty_);
        covers = written_end_;
    }
    for (size_t i = 0; i < files.size(); ++i) {
        auto synced = files[i]->sync();
        if (!synced.ok()) {
            std::lock_guard lock(mu_);
            failed_ = synced.error();
            return Error(Errc::log_failed, synced.error().to_string());
        }
    }
    std::lock_guard lock(mu_);
    // A truncation while the sync ran may have pulled the written end below what it covered.
    durable_end_ = std::max(durable_end_, std::min(covers, written_end_));
    return durable_end_;
}

void LogDurability::start_writeback() {
    std::vector<std::shared_ptr<File>> files;
    {
        std::lock_guard lock(mu_);
        if (failed_) return;
        files = dirty_;
    }
    for (const auto& file : files) file->start_writeback();
}

model::Offset LogDurability::durable_end() const {
    std::lock_guard lock(mu_);
    return durable_end_;
}

model::Offset LogDurability::written_end() const {
    std::lock_guard lock(mu_);
    return written_end_;
}

bool LogDurability::failed() const {
    std::lock_guard lock(mu_);
    return failed_.has_value();
}

void LogDurability::fail(const Error& error) {
    std::lock_guard lock(mu_);
    if (!failed_) failed_ = error;
}

void LogDurability::note_truncated(model::Offset end) {
    std::lock_guard lock(mu_);
    written_end_ = std::min(written_end_, end);
    durable_end_ = std::min(durable_end_, end);
}

}  // namespace es::storage
