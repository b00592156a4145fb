#pragma once

// A blocking Kafka client over a plain socket for the server's tests: it frames requests with
// the generated codecs and reads answers frame by frame, so tests can also send what no real
// client would (bad sizes, garbage, half frames).

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "kafka/protocol/generated/api_table.h"
#include "kafka/protocol/generated/request_header.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

namespace es::kafka::server::testing {

class KafkaTestClient {
  public:
    explicit KafkaTestClient(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~KafkaTestClient() { ::close(fd_); }
    KafkaTestClient(const KafkaTestClient&) = delete;
    KafkaTestClient& operator=(const KafkaTestClient&) = delete;

    bool connected() const { return connected_; }

    /// The whole frame (size prefix, header, body) of a request.
    template <class Request>
    static Bytes frame(const Request& request, int16_t version, int32_t correlation_id) {
        const auto* api = protocol::find_api(Request::api_key);
        bool flexible = api->first_flexible_version >= 0 && version >= api->first_flexible_version;
        protocol::RequestHeader header;
        header.request_api_key = Request::api_key;
        header.request_api_version = version;
        header.correlation_id = correlation_id;
        header.client_id = "server-test";
        Bytes out(4);
        ByteWriter writer(out);
        header.encode(writer, flexible ? 2 : 1);
        request.encode(writer, version);
        store_be32(out.data(), static_cast<uint32_t>(out.size() - 4));
        return out;
    }

    template <class Request>
    bool send(const Request& request, int16_t version, int32_t correlation_id) {
        return send_raw(frame(request, version, correlation_id));
    }

    bool send_raw(BytesView bytes) {
        size_t sent = 0;
        while (sent < bytes.size()) {
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<size_t>(n);
        }
        return true;
    }

    /// The next response frame without its size prefix, or nullopt when the server closed the
    /// connection (or nothing came within timeout_ms).
    std::optional<Bytes> read_frame(int timeout_ms = 5000) {
        uint8_t size_bytes[4];
        if (!read_exact(size_bytes, 4, timeout_ms)) return std::nullopt;
        Bytes body(load_be32(size_bytes));
        if (!read_exact(body.data(), body.size(), timeout_ms)) return std::nullopt;
        return body;
    }

    /// Reads a response and decodes it, checking the correlation id; views in the result stay
    /// valid until the next receive(). The response header is flexible (a tagged-field byte)
    /// for flexible versions of every API but ApiVersions.
    template <class Response>
    std::optional<Response> receive(int16_t version, int32_t correlation_id,
                                    int timeout_ms = 5000) {
        auto body = read_frame(timeout_ms);
        if (!body) return std::nullopt;
        // Decoded responses point into the frame (records, for one): it lives in the client
        // until the next receive().
        last_frame_ = std::move(*body);
        ByteReader reader(last_frame_);
        auto id = reader.read_i32();
        if (!id.ok() || *id != correlation_id) return std::nullopt;
        const auto* api = protocol::find_api(Response::api_key);
        bool flexible = api->first_flexible_version >= 0 &&
                        version >= api->first_flexible_version &&
                        api->key != protocol::ApiKey::api_versions;
        if (flexible && !reader.read_u8().ok()) return std::nullopt;  // empty tagged fields
        Response response;
        if (!response.decode(reader, version).ok() || !reader.empty()) return std::nullopt;
        return response;
    }

    /// True when the server closed the connection (reads end of stream within timeout_ms).
    bool closed_by_server(int timeout_ms = 5000) {
        uint8_t byte;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        return ::recv(fd_, &byte, 1, 0) <= 0;
    }

  private:
    bool read_exact(uint8_t* out, size_t size, int timeout_ms) {
        size_t got = 0;
        while (got < size) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return false;
            ssize_t n = ::recv(fd_, out + got, size - got, 0);
            if (n <= 0) return false;
            got += static_cast<size_t>(n);
        }
        return true;
    }

    int fd_ = -1;
    bool connected_ = false;
    Bytes last_frame_;
};

}  // namespace es::kafka::server::testing
