// Hostile clients against the real binary while a healthy librdkafka client keeps producing and
// consuming: every bad connection gets the documented outcome (closed, with a log line), and
// the healthy traffic loses nothing.

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_util.h"
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <random>
#include <thread>

namespace es::integration {
namespace {

class RawConnection {
  public:
    explicit RawConnection(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawConnection() { ::close(fd_); }
    bool send(const std::string& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    /// True when the server closes the connection within timeout_ms (answers are skipped).
    bool closed_by_server(int timeout_ms) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;
        }
        return false;
    }
    bool connected() const { return connected_; }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

std::string be32(uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
    return s;
}
std::string be16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }

/// A request frame: size, api key, version, correlation id, client id "x", then `body`.
std::string frame(int16_t api_key, int16_t version, const std::string& body) {
    std::string header = be16(static_cast<uint16_t>(api_key)) +
                         be16(static_cast<uint16_t>(version)) + be32(7) + be16(1) + "x";
    return be32(static_cast<uint32_t>(header.size() + body.size())) + header + body;
}

TEST(HostileInput, BadClientsAreClosedWhileAHealthyClientLosesNothing) {
    BrokerProcess broker("broker:\n  connections.max.idle.ms: 1500\n");
    ASSERT_TRUE(broker.start()) << broker.log();

    // The healthy client: acks=all produce in a loop for the whole test.
    std::atomic<bool> stop{false};
    Producer producer(broker.brokers(), {{"acks", "all"}, {"linger.ms", "1"}});
    std::atomic<int> sent{0};
    std::thread healthy([&] {
        while (!stop) {
            producer.send("healthy", 0, "h-" + std::to_string(sent++));
            producer.poll(1);
        }
    });

    struct Case {
        const char* what;
        std::string bytes;
    };
    std::mt19937 rng(42);
    std::string random_bytes(512, '\0');
    for (auto& c : random_bytes) c = static_cast<char>(rng());
    std::string produce_garbage(64, '\xff');
    std::vector<Case> cases = {
        {"random bytes", random_bytes},
        {"2 GB length prefix", be32(0x7fffffff) + "abcd"},
        {"negative length prefix", be32(0x80000000)},
        {"unknown API key", frame(12345, 0, "")},
        {"valid Produce header, garbage body", frame(0, 9, produce_garbage)},
        {"valid Metadata header, truncated body", frame(3, 12, std::string("\x05", 1))},
        {"truncated frame then silence (slow loris)", be32(100) + "\x00\x03"},
    };
    for (const auto& c : cases) {
        RawConnection bad(broker.kafka_port());
        ASSERT_TRUE(bad.connected()) << c.what;
        ASSERT_TRUE(bad.send(c.bytes)) << c.what;
        // The slow loris is cut by connections.max.idle.ms (1.5 s); the rest at once.
        EXPECT_TRUE(bad.closed_by_server(5000)) << c.what << ": connection should be closed";
        std::printf("checked: %s -> connection closed\n", c.what);
    }

    stop = true;
    healthy.join();
    ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(producer.deliveries.failed, 0u);
    EXPECT_EQ(producer.deliveries.ok, static_cast<size_t>(sent.load()));
    auto got = consume(broker.brokers(), "healthy", 0, RD_KAFKA_OFFSET_BEGINNING,
                       static_cast<size_t>(sent.load()));
    EXPECT_EQ(got.size(), static_cast<size_t>(sent.load()));
    std::printf("checked: healthy client delivered and read back %d messages meanwhile\n",
                sent.load());
    std::string log = broker.log();
    EXPECT_NE(log.find("closing connection"), std::string::npos) << "bad frames are logged";
    EXPECT_EQ(broker.stop(), 0);
}

}  // namespace
}  // namespace es::integration
