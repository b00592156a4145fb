#pragma once

#include "base/bytes.h"
#include "model/record_batch.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace es::storage::testing {

/// A fresh directory under $TMPDIR, removed with everything in it when the test ends.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "es-storage-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string sub(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

/// A batch of `count` records whose values encode `tag` and the record index, so tests can
/// tell batches apart after a round trip. Timestamps start at `timestamp`.
inline Bytes make_batch(int count, int tag, int64_t timestamp = 1000, size_t value_size = 16,
                        model::Compression codec = model::Compression::none) {
    model::BatchOptions options;
    options.compression = codec;
    model::RecordBatchBuilder builder(model::Offset(0), options);
    for (int i = 0; i < count; ++i) {
        std::string key = "k" + std::to_string(tag % 7) + "-" + std::to_string(i);
        std::string value = "tag=" + std::to_string(tag) + ",i=" + std::to_string(i) + ",";
        value.resize(std::max(value.size(), value_size), 'x');
        builder.add(as_bytes(key), as_bytes(value), timestamp + i);
    }
    return std::move(builder.build()).value();
}

}  // namespace es::storage::testing
