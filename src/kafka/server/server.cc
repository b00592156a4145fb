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

#include <chrono>
#include <deque>
#include <future>
#include <map>
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

        if (api_key >= 0 && static_cast<size_t>(api_key) < ServerMetrics::kApiSlots) {
            started_[seq] = {api_key, std::chrono::steady_clock::now()};
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
                finish_api_versions_unsupported(seq, correlation_id);
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
        response_flexible_[seq] = flexible && !is_api_versions;
        correlation_[seq] = correlation_id;

        auto ctx = std::make_shared<RequestContext>(RequestContext{
            *server_.broker, shard_, *server_.config, api_key, api_version, correlation_id,
            header.client_id, frame, frame->mutable_view().subspan(header_size), nullptr,
            server_.groups.load(), server_.transactions.load(), "/" + host_, &server_.metrics});
        std::weak_ptr<Connection> weak = shared_from_this();
        Shard* shard = &shard_;
        KafkaServer::Impl* server = &server_;
        ctx->respond = [weak, shard, server, seq](Result<std::optional<Bytes>> response) {
            auto box = std::make_shared<Result<std::optional<Bytes>>>(std::move(response));
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

    void finish_api_versions_unsupported(uint64_t seq, int32_t correlation_id) {
        protocol::ApiVersionsResponse response;
        response.error_code = protocol::code(protocol::ErrorCode::unsupported_version);
        for (const auto& api : protocol::kApis) {
            if (!find_handler(static_cast<int16_t>(api.key))) continue;
            response.api_keys.push_back(
                {static_cast<int16_t>(api.key), api.min_version, api.max_version, {}});
        }
        response_flexible_[seq] = false;
        correlation_[seq] = correlation_id;
        finish(seq, std::optional<Bytes>(encode_response(response, 0)));
    }

    /// Records an answer and writes every answer that is next in line.
    void finish(uint64_t seq, Result<std::optional<Bytes>> response) {
        --server_.in_flight;
        if (auto it = started_.find(seq); it != started_.end()) {
            ApiFigures& api = server_.metrics.apis[static_cast<size_t>(it->second.first)];
            api.requests.fetch_add(1, std::memory_order_relaxed);
            if (!response.ok()) api.failed.fetch_add(1, std::memory_order_relaxed);
            api.latency.observe_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - it->second.second)
                                       .count());
            started_.erase(it);
        }
        if (!response.ok()) {
            close(response.error().to_string());
            ready_.clear();
            return;
        }
        ready_[seq] = std::move(response).value();
        flush();
    }

    void flush() {
        if (writing_ || closed_) return;
        std::vector<asio::const_buffer> buffers;
        while (true) {
            auto it = ready_.find(next_to_send_);
            if (it == ready_.end()) break;
            uint64_t seq = it->first;
            if (it->second) {
                Bytes& body = *it->second;
                Bytes& out = outgoing_.emplace_back();
                bool flexible = response_flexible_[seq];
                out.resize(8 + (flexible ? 1 : 0));
                store_be32(out.data(), static_cast<uint32_t>(out.size() - 4 + body.size()));
                store_be32(out.data() + 4, static_cast<uint32_t>(correlation_[seq]));
                if (flexible) out[8] = 0;  // no tagged fields in the response header
                outgoing_.push_back(std::move(body));
            }
            response_flexible_.erase(seq);
            correlation_.erase(seq);
            ready_.erase(it);
            ++next_to_send_;
        }
        if (outgoing_.empty()) {
            resume_.cancel();
            return;
        }
        uint64_t bytes = 0;
        for (const auto& b : outgoing_) {
            buffers.emplace_back(asio::buffer(b));
            bytes += b.size();
        }
        server_.metrics.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
        writing_ = true;
        auto self = shared_from_this();
        asio::async_write(socket_, buffers, [self](const asio::error_code& ec, size_t) {
            self->writing_ = false;
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
    std::map<uint64_t, std::optional<Bytes>> ready_;
    std::map<uint64_t, bool> response_flexible_;
    std::map<uint64_t, int32_t> correlation_;
    /// API key and arrival of each request not yet answered, for the request figures.
    std::map<uint64_t, std::pair<int16_t, std::chrono::steady_clock::time_point>> started_;
    std::deque<Bytes> outgoing_;
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
