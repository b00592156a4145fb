#pragma once

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/result.h"
#include "kafka/protocol/errc.h"
#include "kafka/server/server_metrics.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::broker {
class Broker;
class Executor;
class GroupCoordinator;
class TxnCoordinator;
}  // namespace es::broker

namespace es::kafka::server {

struct ServerConfig {
    int32_t node_id = 0;
    std::string advertised_host = "127.0.0.1";
    int32_t advertised_port = 9092;
    std::string cluster_id;
    size_t max_request_bytes = 100 * 1024 * 1024;  // socket.request.max.bytes
    size_t max_connections = 10000;                // max.connections
    int64_t idle_timeout_ms = 600000;              // connections.max.idle.ms
    size_t max_in_flight_per_connection = 1000;    // requests read ahead of their answers
};

/// An encoded response body (the server adds size and header). Record sets of a Fetch answer
/// are not copied into `bytes`: each splice is written from the log read buffer it points
/// into, which `keep` holds until the answer is on the socket.
struct ResponseBody {
    Bytes bytes;
    std::vector<Splice> splices;  // in position order
    std::shared_ptr<const void> keep;

    ResponseBody(Bytes b) : bytes(std::move(b)) {}  // NOLINT(google-explicit-constructor)
    ResponseBody(Bytes b, std::vector<Splice> s, std::shared_ptr<const void> k)
        : bytes(std::move(b)), splices(std::move(s)), keep(std::move(k)) {}

    size_t size() const;
    /// The body as one buffer (tests, and anything that needs it whole).
    Bytes flatten() const;
    /// Calls piece(BytesView) for each part in order: bytes and splices interleaved.
    template <class F>
    void for_each_piece(F&& piece) const {
        size_t at = 0;
        for (const Splice& s : splices) {
            if (s.position > at) piece(BytesView(bytes).subspan(at, s.position - at));
            piece(s.bytes);
            at = s.position;
        }
        if (at < bytes.size()) piece(BytesView(bytes).subspan(at));
    }
};

/// One request on its way through its handler. The handler decodes `body` with the
/// generated codec, asks the broker, and calls respond() exactly once, on any thread.
struct RequestContext {
    broker::Broker& broker;
    broker::Executor& shard;  // the connection's shard: broker calls answer here
    const ServerConfig& config;
    int16_t api_key = 0;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
    std::shared_ptr<Buffer> frame;  // owns the bytes `body` points into
    MutableBytesView body;          // the request after its header
    /// The response body (the server adds size and header), nullopt for no response (acks=0
    /// produce), or an error, which closes the connection as Kafka does for bad requests.
    std::function<void(Result<std::optional<ResponseBody>>)> respond;
    /// The group coordinator, or nullptr while it is still loading __consumer_offsets (group
    /// requests are then answered COORDINATOR_LOAD_IN_PROGRESS, and clients retry).
    broker::GroupCoordinator* groups = nullptr;
    /// The transaction coordinator, or nullptr while it loads __transaction_state (answered
    /// COORDINATOR_LOAD_IN_PROGRESS, as for groups).
    broker::TxnCoordinator* transactions = nullptr;
    /// "/<client address>", as Kafka reports a group member's host.
    std::string client_host{};
    /// The listener's figures (per-topic bytes); nullptr in handler tests.
    ServerMetrics* metrics = nullptr;
};

using Handler = void (*)(const std::shared_ptr<RequestContext>& ctx);

/// The handler for an API key, or nullptr for one this broker does not serve.
Handler find_handler(int16_t api_key);

/// Decodes a request body. Bytes after the last field are ignored, as Kafka's broker does:
/// clients in use send them (librdkafka 2.0 writes ListGroups v3+'s tag buffer twice, and
/// OffsetFetch for all of a group's offsets carries three extra bytes), and refusing would cut
/// them off a broker they work with. A body that ends early is malformed.
template <class Request>
Result<Request> decode_request(const RequestContext& ctx) {
    Request request;
    ByteReader reader(ctx.body);
    ES_CHECK(request.decode(reader, ctx.api_version));
    return request;
}

template <class Response>
Bytes encode_response(const Response& response, int16_t version) {
    Bytes out;
    ByteWriter writer(out);
    response.encode(writer, version);
    return out;
}

/// Record sets at least this large are spliced into an answer rather than copied.
constexpr size_t kMinSplicedRecords = 4096;

/// Encodes a response whose large record sets stay where they are; `keep` owns them.
template <class Response>
ResponseBody encode_spliced_response(const Response& response, int16_t version,
                                     std::shared_ptr<const void> keep) {
    Bytes out;
    std::vector<Splice> splices;
    ByteWriter writer(out, splices, kMinSplicedRecords);
    response.encode(writer, version);
    return ResponseBody(std::move(out), std::move(splices), std::move(keep));
}

}  // namespace es::kafka::server
