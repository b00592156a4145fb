#include "http/server.h"

#include "base/errc.h"
#include "base/log.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <regex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace es::http {

namespace {
const log::Logger http_log{"http"};

Request to_request(const httplib::Request& req) {
    Request request;
    request.method = req.method;
    request.path = req.path;
    request.body = req.body;
    for (const auto& [k, v] : req.params) request.params[k] = v;
    for (const auto& [k, v] : req.headers) {
        std::string name = k;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        request.headers[name] = v;
    }
    return request;
}

}  // namespace

struct HttpServer::Impl {
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> thread_done{false};
    bool listening = false;

    // Streams block in wait() between writes; stop() wakes them through this, since httplib's
    // own stop() only closes the listening socket and then joins the workers.
    std::mutex stop_mu;
    std::condition_variable stop_cv;
    bool stopping = false;
    std::atomic<size_t> streams{0};
    std::atomic<size_t> max_streams{4};

    bool is_stopping() {
        std::lock_guard lock(stop_mu);
        return stopping;
    }

    // The routes live here rather than in httplib's tables, which must not change while the
    // server runs: serve adds the dashboard's routes once the broker is up, after the admin
    // address already answers. httplib sees one catch-all handler per method.
    struct Route {
        std::string method;
        std::regex pattern;
        Handler handler;                        // a plain route, or
        std::shared_ptr<StreamHandler> stream;  // a streaming one
        std::string stream_type;
    };
    std::shared_mutex routes_mu;
    std::vector<std::shared_ptr<const Route>> routes;

    void add(Route route) {
        std::unique_lock lock(routes_mu);
        routes.push_back(std::make_shared<const Route>(std::move(route)));
    }
    void dispatch(const httplib::Request& req, httplib::Response& res);
    void serve_stream(const Route& route, Request request, httplib::Response& res);

    class SinkWriter;
};

/// A StreamWriter over httplib's chunked DataSink, valid during one content-provider call.
class HttpServer::Impl::SinkWriter final : public StreamWriter {
  public:
    SinkWriter(Impl& impl, httplib::DataSink& sink) : impl_(impl), sink_(sink) {}

    bool write(std::string_view data) override {
        if (impl_.is_stopping()) return false;
        // A client that went away fails the write (EPIPE/ECONNRESET), at the latest the second
        // one after it closed: the first may still land in the socket buffer.
        return sink_.write(data.data(), data.size());
    }

    bool wait(std::chrono::milliseconds timeout) override {
        std::unique_lock lock(impl_.stop_mu);
        return !impl_.stop_cv.wait_for(lock, timeout, [this] { return impl_.stopping; });
    }

  private:
    Impl& impl_;
    httplib::DataSink& sink_;
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {
    auto dispatch = [impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
        impl->dispatch(req, res);
    };
    impl_->server.Get(".*", dispatch);
    impl_->server.Post(".*", dispatch);
    impl_->server.Put(".*", dispatch);
    impl_->server.Delete(".*", dispatch);
    impl_->server.set_payload_max_length(8 * 1024 * 1024);
    // Slow or silent clients must not hold a worker thread for long.
    impl_->server.set_read_timeout(10, 0);
    impl_->server.set_write_timeout(10, 0);
    impl_->server.set_keep_alive_timeout(5);
    // httplib's default sets SO_REUSEPORT, which lets a second process bind the same port and
    // silently share its traffic; SO_REUSEADDR alone still allows a quick restart.
    impl_->server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    impl_->server.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            http_log.error("{} {}: {}", req.method, req.path, what);
            res.status = 500;
            res.set_content(R"({"error_code":500,"message":"internal server error"})",
                            "application/json");
        });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::set_max_body_bytes(size_t bytes) { impl_->server.set_payload_max_length(bytes); }

void HttpServer::Impl::dispatch(const httplib::Request& req, httplib::Response& res) {
    // httplib answers HEAD with the GET handler, without the body.
    const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
    std::shared_ptr<const Route> found;
    std::smatch match;
    {
        std::shared_lock lock(routes_mu);
        for (const auto& r : routes) {
            if (r->method == method && std::regex_match(req.path, match, r->pattern)) {
                found = r;
                break;
            }
        }
    }
    if (!found) {
        res.status = 404;
        return;
    }
    Request request = to_request(req);
    for (size_t i = 1; i < match.size(); ++i) request.matches.push_back(match[i].str());
    if (found->stream) return serve_stream(*found, std::move(request), res);
    Response response = found->handler(request);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name.c_str(), value);
    res.set_content(response.body, response.content_type.c_str());
}

void HttpServer::Impl::serve_stream(const Route& route, Request request, httplib::Response& res) {
    if (streams.fetch_add(1) >= max_streams) {
        --streams;
        res.status = 503;
        res.set_content(R"({"error_code":503,"message":"too many open streams"})",
                        "application/json");
        return;
    }
    auto shared_request = std::make_shared<Request>(std::move(request));
    res.set_header("Cache-Control", "no-cache");
    // The whole stream runs inside the provider's first call; returning with done() ends the
    // chunked answer. The releaser runs whether or not the provider ever ran.
    res.set_chunked_content_provider(
        route.stream_type,
        [this, handler = route.stream, shared_request](size_t, httplib::DataSink& sink) {
            SinkWriter writer(*this, sink);
            try {
                (*handler)(*shared_request, writer);
            } catch (const std::exception& e) {
                http_log.error("GET {} (stream): {}", shared_request->path, e.what());
            } catch (...) {
                http_log.error("GET {} (stream): unknown exception", shared_request->path);
            }
            sink.done();
            return true;
        },
        [this](bool) { --streams; });
}

void HttpServer::route(const std::string& method, const std::string& pattern, Handler handler) {
    impl_->add({method, std::regex(pattern), std::move(handler), nullptr, {}});
}

void HttpServer::set_max_streams(size_t streams) { impl_->max_streams = streams; }

void HttpServer::stream(const std::string& pattern, const std::string& content_type,
                        StreamHandler handler) {
    impl_->add({"GET", std::regex(pattern), nullptr,
                std::make_shared<StreamHandler>(std::move(handler)), content_type});
}

Result<uint16_t> HttpServer::listen(const std::string& host, uint16_t port) {
    int bound = port == 0 ? impl_->server.bind_to_any_port(host)
                          : (impl_->server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        return Error(Errc::io_error, "cannot listen on " + host + ":" + std::to_string(port));
    }
    {
        std::lock_guard lock(impl_->stop_mu);
        impl_->stopping = false;
    }
    impl_->listening = true;
    return static_cast<uint16_t>(bound);
}

void HttpServer::start() {
    if (!impl_->listening || impl_->thread.joinable()) return;
    impl_->thread_done = false;
    impl_->thread = std::thread([this] {
        impl_->server.listen_after_bind();
        impl_->thread_done = true;
    });
    // httplib's stop() does nothing before the thread has entered its accept loop, which would
    // leave a stop() right after start() waiting for that thread forever: wait until it has.
    while (!impl_->server.is_running() && !impl_->thread_done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void HttpServer::stop() {
    {
        std::lock_guard lock(impl_->stop_mu);
        impl_->stopping = true;
    }
    impl_->stop_cv.notify_all();
    if (impl_->listening) impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    impl_->listening = false;
}

}  // namespace es::http
