#pragma once

#include "base/result.h"
#include "model/strong_int.h"

#include <cstdint>
#include <string>

namespace es::storage {
class FileSystem;
}

namespace es::broker {

/// Hands out producer ids for InitProducerId, never the same one twice, across restarts too:
/// a reused id would let a new producer's first batches match an old producer's state and be
/// dropped as retries. Before the first id of a block is handed out, the end of the block is
/// written (atomically) to `path`; a restart continues from that end, so ids reserved but
/// unused before a crash are skipped, never reissued. Kafka reserves blocks of 1000 the same
/// way, from ZooKeeper or the controller.
///
/// Runs on: one shard (the broker uses shard 0).
class ProducerIdAllocator {
  public:
    static constexpr int64_t kBlockSize = 1000;

    ProducerIdAllocator(storage::FileSystem& fs, std::string path);

    /// Reads the reserved end; a missing file means nothing was ever reserved. A file that
    /// cannot be read fails: guessing could reissue ids.
    Status load();
    Result<model::ProducerId> next();

  private:
    storage::FileSystem& fs_;
    std::string path_;
    int64_t next_ = 0;
    int64_t reserved_end_ = 0;  // ids below it are reserved on disk
};

}  // namespace es::broker
