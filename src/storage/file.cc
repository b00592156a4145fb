#include "storage/file.h"

#include "base/errc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace es::storage {
namespace {

Error os_error(std::string_view what, const std::string& path, int err) {
    auto code = (err == ENOSPC || err == EDQUOT) ? es::Errc::no_space
                : err == ENOENT                  ? es::Errc::not_found
                                                 : es::Errc::io_error;
    return Error(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

class PosixFile final : public File {
  public:
    PosixFile(int fd, std::string path, uint64_t size)
        : fd_(fd), path_(std::move(path)), size_(size) {}
    ~PosixFile() override { ::close(fd_); }
    PosixFile(const PosixFile&) = delete;
    PosixFile& operator=(const PosixFile&) = delete;

    Status append(BytesView data) override {
        const uint8_t* p = data.data();
        size_t left = data.size();
        while (left > 0) {
            ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(size_));
            if (n < 0) {
                if (errno == EINTR) continue;
                return os_error("write", path_, errno);
            }
            p += n;
            left -= static_cast<size_t>(n);
            size_ += static_cast<uint64_t>(n);
        }
        return {};
    }

    Status read_at(uint64_t position, MutableBytesView out) const override {
        uint8_t* p = out.data();
        size_t left = out.size();
        auto pos = static_cast<off_t>(position);
        while (left > 0) {
            ssize_t n = ::pread(fd_, p, left, pos);
            if (n < 0) {
                if (errno == EINTR) continue;
                return os_error("read", path_, errno);
            }
            if (n == 0) {
                return Error(es::Errc::truncated, "read " + path_ + ": end of file at " +
                                                      std::to_string(pos) + ", wanted " +
                                                      std::to_string(left) + " more bytes");
            }
            p += n;
            pos += n;
            left -= static_cast<size_t>(n);
        }
        return {};
    }

    Status sync() override {
        if (::fdatasync(fd_) != 0) return os_error("fdatasync", path_, errno);
        return {};
    }

    void start_writeback() override {
        // Errors do not matter here: the fdatasync that follows reports what failed.
        (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
    }

    Status truncate(uint64_t size) override {
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
            return os_error("ftruncate", path_, errno);
        }
        size_ = size;
        return {};
    }

    uint64_t size() const override { return size_; }

  private:
    int fd_;
    std::string path_;
    uint64_t size_;
};

class PosixFileSystem final : public FileSystem {
  public:
    Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
        int flags = O_CLOEXEC;
        switch (mode) {
            case OpenMode::read_write_create:
                flags |= O_RDWR | O_CREAT;
                break;
            case OpenMode::read_write_existing:
                flags |= O_RDWR;
                break;
            case OpenMode::read_only:
                flags |= O_RDONLY;
                break;
        }
        int fd = ::open(path.c_str(), flags, 0644);
        if (fd < 0) return os_error("open", path, errno);
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            int err = errno;
            ::close(fd);
            return os_error("fstat", path, err);
        }
        return std::unique_ptr<File>(
            std::make_unique<PosixFile>(fd, path, static_cast<uint64_t>(st.st_size)));
    }

    Status remove(const std::string& path) override {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error("unlink", path, errno);
        return {};
    }

    Status remove_all(const std::string& path) override {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
        if (ec) return os_error("remove", path, ec.value());
        return {};
    }

    Status rename(const std::string& from, const std::string& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) return os_error("rename", from, errno);
        return {};
    }

    Status create_directories(const std::string& path) override {
        std::error_code ec;
        std::filesystem::create_directories(path, ec);
        if (ec) return os_error("mkdir", path, ec.value());
        return {};
    }

    Status sync_directory(const std::string& path) override {
        int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return os_error("open directory", path, errno);
        int rc = ::fsync(fd);
        int err = errno;
        ::close(fd);
        if (rc != 0) return os_error("fsync directory", path, err);
        return {};
    }

    Result<std::vector<std::string>> list(const std::string& path) override {
        DIR* dir = ::opendir(path.c_str());
        if (dir == nullptr) return os_error("opendir", path, errno);
        std::vector<std::string> names;
        while (dirent* e = ::readdir(dir)) {
            std::string_view name = e->d_name;
            if (name != "." && name != "..") names.emplace_back(name);
        }
        ::closedir(dir);
        return names;
    }

    bool exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
};

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

Status FileSystem::write_atomically(const std::string& path, BytesView data) {
    std::string tmp = path + ".tmp";
    {
        ES_TRY(std::unique_ptr<File> f, open(tmp, OpenMode::read_write_create));
        ES_CHECK(f->truncate(0));
        ES_CHECK(f->append(data));
        ES_CHECK(f->sync());
    }
    ES_CHECK(rename(tmp, path));
    return sync_directory(parent_of(path));
}

Result<Bytes> FileSystem::read_whole(const std::string& path) {
    ES_TRY(std::unique_ptr<File> f, open(path, OpenMode::read_only));
    Bytes data(f->size());
    ES_CHECK(f->read_at(0, data));
    return data;
}

FileSystem& posix_file_system() {
    static PosixFileSystem fs;
    return fs;
}

}  // namespace es::storage
