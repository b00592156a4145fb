#pragma once

// Runs `edgestream serve` as a child process for integration tests: a temporary data directory,
// free ports on 127.0.0.1, readiness from GET /v1/status/ready, and stop by SIGTERM or kill -9.
// The child's output goes to <dir>/serve.log, printed when a test fails.

#include "storage/tests/test_util.h"

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace es::integration {

/// A port that was free a moment ago (bound to 0, read back, closed).
inline uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// Starts `args` (args[0] is the program's path) with stdout and stderr appended to `log_path`;
/// returns the child's pid.
inline pid_t spawn_logged(std::vector<std::string> args, const std::string& log_path) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(log, 1);
        ::dup2(log, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

class BrokerProcess {
  public:
    /// `config_yaml` (optional) is written to a file and passed with --config.
    explicit BrokerProcess(std::string config_yaml = "")
        : kafka_port_(free_port()), admin_port_(free_port()), config_(std::move(config_yaml)) {}
    ~BrokerProcess() {
        if (pid_ > 0) kill9();
    }

    std::string brokers() const { return "127.0.0.1:" + std::to_string(kafka_port_); }
    uint16_t kafka_port() const { return kafka_port_; }
    uint16_t admin_port() const { return admin_port_; }
    const std::string& data_dir() const { return dir_.path(); }
    std::string log_path() const { return dir_.path() + "/serve.log"; }

    /// Starts the broker (again, after a stop, on the same ports and data) and waits until it
    /// answers ready. Returns false if it exits or is not ready within the timeout.
    bool start(std::chrono::seconds timeout = std::chrono::seconds(30)) {
        std::vector<std::string> args = {
            ES_BINARY_PATH, "serve", "--data-dir", dir_.path() + "/data", "--kafka-addr", brokers(),
            "--admin-addr", "127.0.0.1:" + std::to_string(admin_port_),
            // The registry (on by default) has its own tests; the broker's run without it.
            "--registry-addr", "off", "--shards", "2"};
        if (!config_.empty()) {
            std::string path = dir_.path() + "/edgestream.yaml";
            std::ofstream(path) << config_;
            args.push_back("--config");
            args.push_back(path);
        }
        pid_ = spawn_logged(std::move(args), log_path());
        auto deadline = std::chrono::steady_clock::now() + timeout;
        httplib::Client admin("127.0.0.1", admin_port_);
        admin.set_connection_timeout(0, 200000);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            if (auto res = admin.Get("/v1/status/ready"); res && res->status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    /// SIGTERM and wait; returns the exit code (or 128 + signal).
    int stop() {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        return wait();
    }

    void kill9() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        wait();
    }

    std::string log() const {
        std::ifstream in(log_path());
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

  private:
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    storage::testing::TempDir dir_;
    uint16_t kafka_port_;
    uint16_t admin_port_;
    std::string config_;
    pid_t pid_ = -1;
};

}  // namespace es::integration
