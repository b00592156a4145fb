#include "kafka/server/server.h"

#include "broker/broker.h"
#include "broker/executor.h"
#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/api_table.h"
#include "kafka/protocol/generated/api_versions.h"
#include "kafka/protocol/generated/request_header.h"
#include "kafka/server/logger.h"

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include <array>
#include <cassert>
#include <chrono>
#include <deque>
#include <future>
#include <thread>

namespace es::kafka::server {

namespace {

constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);
using tcp = asio::ip::tcp;

/// A shard: an io_context on its own thread, and the broker's view of it.
class Shard final : public broker::Executor {
  public:
    Shard() : work_(asio::make_work_guard(ctx_)) {}

    asio::io_context& context() { return ctx_; }

    void post(std::function<void()> fn) override { asio::post(ctx_, std::move(fn)); }

    class AsioTimer final : public Timer {
      public:
        explicit AsioTimer(asio::io_context& ctx) : timer(ctx) {}
        void cancel() override {
            cancelled = true;
            asio::post(timer.get_executor(), [this, keep = self.lock()] { timer.cancel(); });
        }
        asio::steady_timer timer;
        std::atomic<bool> cancelled{false};
        std::weak_ptr<AsioTimer> self;
    };

    std::shared_ptr<Timer> post_after(int64_t delay_ms, std::function<void()> fn) override {
        auto t = std::make_shared<AsioTimer>(ctx_);
        t->self = t;
        t->timer.expires_after(std::chrono::milliseconds(delay_ms));
        t->timer.async_wait([t, fn = std::move(fn)](const asio::error_code& ec) {
            if (!ec && !t->cancelled) fn();
        });
        return t;
    }

    bool on_this_thread() const override { return std::this_thread::get_id() == thread_id_; }

    void run() {
        thread_ = std::thread([this] {
            thread_id_ = std::this_thread::get_id();
            ctx_.run();
        });
    }
    void stop() {
        work_.reset();
        ctx_.stop();
        if (thread_.joinable()) thread_.join();
    }

  private:
    asio::io_context ctx_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
    std::thread::id thread_id_;
};

}  // namespace

class Connection;

struct KafkaServer::Impl {
    ServerConfig* config = nullptr;
    std::vector<std::unique_ptr<Shard>> shards;
    broker::Broker* broker = nullptr;
    std::atomic<broker::GroupCoordinator*> groups{nullptr};
    std::atomic<broker::TxnCoordinator*> transactions{nullptr};
    std::unique_ptr<tcp::acceptor> acceptor;
    std::atomic<size_t> connections{0};
    std::atomic<size_t> in_flight{0};
    ServerMetrics metrics;
    std::atomic<bool> stopping{false};
    bool started = false;
    size_t next_shard = 0;
    std::mutex live_mu;
    std::vector<std::weak_ptr<Connection>> live;

    asio::awaitable<void> accept_loop();
};

/// One client connection. Runs on: its shard; every member is touched only there.
class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(KafkaServer::Impl& server, Shard& shard, tcp::socket socket)
        : server_(server),
          shard_(shard),
          socket_(std::move(socket)),
          idle_(shard.context()),
          resume_(shard.context()) {
        asio::error_code ec;
        auto remote = socket_.remote_endpoint(ec);
        host_ = ec ? "?" : remote.address().to_string();
        peer_ = ec ? "?" : host_ + ":" + std::to_string(remote.port());
        socket_.set_option(tcp::no_delay(true), ec);
    }

    void start() {
        auto self = shared_from_this();
        asio::co_spawn(shard_.context(), self->read_loop(), asio::detached);
        asio::co_spawn(shard_.context(), self->watchdog(), asio::detached);
    }

    /// Closes the socket; the loops end on their next wake-up.
    void close(const std::string& why) {
        if (closed_) return;
        closed_ = true;
        if (!why.empty()) kafka_log.warn("closing connection from {}: {}", peer_, why);
        asio::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_both, ec);
        socket_.close(ec);
        idle_.cancel();
        resume_.cancel();
    }

    size_t pending() const { return next_seq_ - next_to_send_; }
    void post_close() {
        auto self = shared_from_this();
        asio::post(shard_.context(), [self] { self->close(""); });
    }
    bool closed() const { return closed_; }

  private:
    asio::awaitable<void> read_loop() {
        auto self = shared_from_this();
        touch();
        bool keep_open = false;  // set when shutting down: stop() closes the socket
        while (!closed_) {
            uint8_t size_bytes[4];
            auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(size_bytes), nothrow);
            if (ec) break;
            auto size = static_cast<int32_t>(load_be32(size_bytes));
            // A request header is at least 8 bytes (api key, version, correlation id).
            if (size < 8 || static_cast<size_t>(size) > server_.config->max_request_bytes) {
                close("request size " + std::to_string(size) + " outside [8, " +
                      std::to_string(server_.config->max_request_bytes) + "]");
                break;
            }
            server_.metrics.bytes_in.fetch_add(4 + static_cast<uint64_t>(size),
                                               std::memory_order_relaxed);
            auto frame = std::make_shared<Buffer>(Buffer::uninitialized(static_cast<size_t>(size)));
            auto [ec2, n2] = co_await asio::async_read(
                socket_, asio::buffer(frame->data(), frame->size()), nothrow);
            if (ec2) break;
            if (server_.stopping) {
                // Shutting down: requests already read get their answers, this one is dropped
                // unanswered (the client retries it after reconnecting), and the socket stays
                // open until stop() closes it, so answers still on their way are written.
                keep_open = true;
                break;
            }
            touch();
            dispatch(std::move(frame));
            // Backpressure: stop reading while too many answers are outstanding.
            while (!closed_ && pending() >= server_.config->max_in_flight_per_connection) {
                resume_.expires_at(asio::steady_timer::time_point::max());
                co_await resume_.async_wait(nothrow);
            }
        }
        if (!keep_open) close("");
        --server_.connections;
    }

    asio::awaitable<void> watchdog() {
        auto self = shared_from_this();
        while (!closed_) {
            co_await idle_.async_wait(nothrow);
            if (closed_) break;
            if (idle_.expiry() <= asio::steady_timer::clock_type::now()) {
                close("idle for longer than connections.max.idle.ms");
            }
        }
    }

    void touch() {
        idle_.expires_after(std::chrono::milliseconds(server_.config->idle_timeout_ms));
    }

    void dispatch(std::shared_ptr<Buffer> frame) {
        uint64_t seq = next_seq_++;
        ++server_.in_flight;
        ByteReader header_start(frame->view());
        int16_t api_key = *header_start.read_i16();
        int16_t api_version = *header_start.read_i16();
        int32_t correlation_id = *header_start.read_i32();

        Pending& pending = pending_.emplace_back();
        pending.correlation_id = correlation_id;
        pending.arrived = std::chrono::steady_clock::now();
        if (api_key >= 0 && static_cast<size_t>(api_key) < ServerMetrics::kApiSlots) {
            pending.api_key = api_key;
        }
        const protocol::ApiInfo* api = protocol::find_api(api_key);
        Handler handler = api ? find_handler(api_key) : nullptr;
        if (!handler) {
            finish(seq, Error(protocol::Errc::unknown_api,
                              "unknown API key " + std::to_string(api_key)));
            return;
        }
        bool is_api_versions = api->key == protocol::ApiKey::api_versions;
        if (api_version < api->min_version || api_version > api->max_version) {
            if (is_api_versions) {
                // The protocol's answer: error 35 in a v0 response listing what we support,
                // so the client can retry with a version we know.
                finish_api_versions_unsupported(seq);
                return;
            }
            finish(seq, Error(protocol::Errc::unsupported_version,
                              std::string(api->name) + " v" + std::to_string(api_version) +
                                  " (supported " + std::to_string(api->min_version) + "-" +
                                  std::to_string(api->max_version) + ")"));
            return;
        }
        bool flexible =
            api->first_flexible_version >= 0 && api_version >= api->first_flexible_version;
        protocol::RequestHeader header;
        ByteReader reader(frame->view());
        if (auto decoded = header.decode(reader, flexible ? 2 : 1); !decoded.ok()) {
            finish(seq, std::move(decoded).error().with_context("request header"));
            return;
        }
        size_t header_size = reader.position();
        pending.flexible_header = flexible && !is_api_versions;

        auto ctx = std::make_shared<RequestContext>(RequestContext{
            *server_.broker, shard_, *server_.config, api_key, api_version, correlation_id,
            header.client_id, frame, frame->mutable_view().subspan(header_size), nullptr,
            server_.groups.load(), server_.transactions.load(), "/" + host_, &server_.metrics});
        std::weak_ptr<Connection> weak = shared_from_this();
        Shard* shard = &shard_;
        KafkaServer::Impl* server = &server_;
        ctx->respond = [weak, shard, server, seq](Result<std::optional<ResponseBody>> response) {
            auto box = std::make_shared<Result<std::optional<ResponseBody>>>(std::move(response));
            shard->post([weak, server, seq, box] {
                if (auto self = weak.lock()) {
                    self->finish(seq, std::move(*box));
                } else {
                    --server->in_flight;  // the client left; the answer has nowhere to go
                }
            });
        };
        handler(ctx);
    }

    void finish_api_versions_unsupported(uint64_t seq) {
        protocol::ApiVersionsResponse response;
        response.error_code = protocol::code(protocol::ErrorCode::unsupported_version);
        for (const auto& api : protocol::kApis) {
            if (!find_handler(static_cast<int16_t>(api.key))) continue;
            response.api_keys.push_back(
                {static_cast<int16_t>(api.key), api.min_version, api.max_version, {}});
        }
        finish(seq, std::optional<ResponseBody>(encode_response(response, 0)));
    }

    /// The request `seq`, not yet written back (entries stay until written, also once closed).
    auto& pending_at(uint64_t seq) {
        assert(seq >= next_to_send_ && seq - next_to_send_ < pending_.size());
        return pending_[seq - next_to_send_];
    }

    /// Records an answer and writes every answer that is next in line.
    void finish(uint64_t seq, Result<std::optional<ResponseBody>> response) {
        --server_.in_flight;
        Pending& pending = pending_at(seq);
        if (pending.api_key >= 0) {
            ApiFigures& api = server_.metrics.apis[static_cast<size_t>(pending.api_key)];
            api.requests.fetch_add(1, std::memory_order_relaxed);
            if (!response.ok()) api.failed.fetch_add(1, std::memory_order_relaxed);
            api.latency.observe_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - pending.arrived)
                                       .count());
        }
        if (closed_) return;  // the answer has nowhere to go
        if (!response.ok()) {
            close(response.error().to_string());
            return;
        }
        pending.body = std::move(response).value();
        pending.answered = true;
        flush();
    }

    /// Writes the answers that are next in line, in request order, with one gathered write.
    void flush() {
        if (writing_ || closed_) return;
        uint64_t bytes = 0;
        while (!pending_.empty() && pending_.front().answered) {
            Pending& done = pending_.front();
            if (done.body) {
                AnswerHeader& header = headers_.emplace_back();
                header.size = done.flexible_header ? 9 : 8;
                size_t body_size = done.body->size();
                store_be32(header.bytes.data(), static_cast<uint32_t>(header.size - 4 + body_size));
                store_be32(header.bytes.data() + 4, static_cast<uint32_t>(done.correlation_id));
                header.bytes[8] = 0;  // flexible: no tagged fields in the header
                bytes += header.size + body_size;
                outgoing_.push_back(std::move(*done.body));
            }
            pending_.pop_front();
            ++next_to_send_;
        }
        if (outgoing_.empty()) {
            resume_.cancel();
            return;
        }
        std::vector<asio::const_buffer> buffers;
        for (size_t i = 0; i < outgoing_.size(); ++i) {
            buffers.emplace_back(asio::buffer(headers_[i].bytes.data(), headers_[i].size));
            outgoing_[i].for_each_piece([&](BytesView piece) {
                buffers.emplace_back(asio::buffer(piece.data(), piece.size()));
            });
        }
        server_.metrics.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
        writing_ = true;
        auto self = shared_from_this();
        asio::async_write(socket_, buffers, [self](const asio::error_code& ec, size_t) {
            self->writing_ = false;
            self->headers_.clear();
            self->outgoing_.clear();
            if (ec) {
                self->close("");
                return;
            }
            self->flush();
        });
        resume_.cancel();
    }

    KafkaServer::Impl& server_;
    Shard& shard_;
    tcp::socket socket_;
    asio::steady_timer idle_;
    asio::steady_timer resume_;
    std::string host_;  // the client's address, as Kafka reports it in group descriptions
    std::string peer_;
    bool closed_ = false;
    bool writing_ = false;
    uint64_t next_seq_ = 0;
    uint64_t next_to_send_ = 0;
    /// A request read and not yet written back: what its answer's header needs, when it came
    /// (for the request figures), and its answer once the handler gave it.
    struct Pending {
        int32_t correlation_id = 0;
        int16_t api_key = -1;  // -1: not counted in the request figures
        bool flexible_header = false;
        bool answered = false;
        std::chrono::steady_clock::time_point arrived;
        std::optional<ResponseBody> body;  // nullopt when answered: no answer (acks=0)
    };
    /// Requests from next_to_send_ on, in arrival order: answers go out in that order.
    std::deque<Pending> pending_;
    /// An answer's size, correlation id and (flexible versions) empty tagged fields.
    struct AnswerHeader {
        std::array<uint8_t, 9> bytes{};
        size_t size = 8;
    };
    /// The answers being written and their headers, index for index.
    std::deque<ResponseBody> outgoing_;
    std::deque<AnswerHeader> headers_;
};

asio::awaitable<void> KafkaServer::Impl::accept_loop() {
    while (!stopping) {
        Shard& target = *shards[next_shard++ % shards.size()];
        auto [ec, socket] = co_await acceptor->async_accept(target.context(), nothrow);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) break;
            kafka_log.warn("accept: {}", ec.message());
            continue;
        }
        if (connections >= config->max_connections) {
            ++metrics.connections_refused;
            kafka_log.warn("refusing a connection: max.connections ({}) reached",
                           config->max_connections);
            asio::error_code ignored;
            socket.close(ignored);
            continue;
        }
        ++connections;
        ++metrics.connections_accepted;
        auto conn = std::make_shared<Connection>(*this, target, std::move(socket));
        {
            std::lock_guard lock(live_mu);
            std::erase_if(live, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
            live.push_back(conn);
        }
        asio::post(target.context(), [conn] { conn->start(); });
    }
}

KafkaServer::KafkaServer(ServerConfig config, size_t shards)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
    impl_->config = &config_;
    for (size_t i = 0; i < std::max<size_t>(shards, 1); ++i) {
        impl_->shards.push_back(std::make_unique<Shard>());
    }
}

KafkaServer::~KafkaServer() { stop(0); }

std::vector<broker::Executor*> KafkaServer::executors() {
    std::vector<broker::Executor*> out;
    for (auto& s : impl_->shards) out.push_back(s.get());
    return out;
}

void KafkaServer::attach(broker::Broker& broker) { impl_->broker = &broker; }

void KafkaServer::attach_groups(broker::GroupCoordinator& groups) { impl_->groups = &groups; }

void KafkaServer::attach_transactions(broker::TxnCoordinator& transactions) {
    impl_->transactions = &transactions;
}

void KafkaServer::set_advertised(const std::string& host, int32_t port) {
    config_.advertised_host = host;
    config_.advertised_port = port;
}

size_t KafkaServer::open_connections() const { return impl_->connections; }

const ServerMetrics& KafkaServer::metrics() const { return impl_->metrics; }

Result<uint16_t> KafkaServer::listen(const std::string& host, uint16_t port) {
    asio::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec)
        return Error(protocol::Errc::malformed, "bad listen address " + host + ": " + ec.message());
    auto& ctx = impl_->shards[0]->context();
    auto acceptor = std::make_unique<tcp::acceptor>(ctx);
    tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return Error(std::error_code(ec.value(), std::system_category()),
                     "listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
    }
    uint16_t bound = acceptor->local_endpoint().port();
    impl_->acceptor = std::move(acceptor);
    return bound;
}

void KafkaServer::start() {
    if (impl_->acceptor) {
        asio::co_spawn(impl_->shards[0]->context(), impl_->accept_loop(), asio::detached);
    }
    for (auto& s : impl_->shards) s->run();
    impl_->started = true;
}

void KafkaServer::stop(int64_t drain_ms) {
    if (impl_->stopping.exchange(true)) return;
    if (impl_->acceptor) {
        asio::post(impl_->shards[0]->context(), [this] {
            asio::error_code ec;
            impl_->acceptor->close(ec);
        });
    }
    // Requests already read get their answers (an acks=all produce waits for its sync).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
    while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(impl_->live_mu);
        for (auto& w : impl_->live) {
            if (auto c = w.lock()) live.push_back(c);
        }
        impl_->live.clear();
    }
    // Each socket is closed on its own shard, then every shard runs what that queued.
    for (auto& c : live) c->post_close();
    if (impl_->started) {
        for (auto& shard : impl_->shards) {
            auto barrier = std::make_shared<std::promise<void>>();
            auto done = barrier->get_future();
            asio::post(shard->context(), [barrier] { barrier->set_value(); });
            done.wait_for(std::chrono::seconds(1));
        }
    }
    for (auto& shard : impl_->shards) shard->stop();
    live.clear();
    impl_->acceptor.reset();
}

}  // namespace es::kafka::server
