#include "http/server.h"

#include "base/errc.h"
#include "base/log.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <thread>

namespace es::http {

namespace {
const log::Logger http_log{"http"};
}

struct HttpServer::Impl {
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> thread_done{false};
    bool listening = false;
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {
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

void HttpServer::route(const std::string& method, const std::string& pattern, Handler handler) {
    auto adapter = [handler = std::move(handler)](const httplib::Request& req,
                                                  httplib::Response& res) {
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
        for (size_t i = 1; i < req.matches.size(); ++i) request.matches.push_back(req.matches[i]);
        Response response = handler(request);
        res.status = response.status;
        res.set_content(response.body, response.content_type.c_str());
    };
    if (method == "GET") {
        impl_->server.Get(pattern, adapter);
    } else if (method == "POST") {
        impl_->server.Post(pattern, adapter);
    } else if (method == "PUT") {
        impl_->server.Put(pattern, adapter);
    } else if (method == "DELETE") {
        impl_->server.Delete(pattern, adapter);
    }
}

Result<uint16_t> HttpServer::listen(const std::string& host, uint16_t port) {
    int bound = port == 0 ? impl_->server.bind_to_any_port(host)
                          : (impl_->server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        return Error(Errc::io_error, "cannot listen on " + host + ":" + std::to_string(port));
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
    if (impl_->listening) impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    impl_->listening = false;
}

}  // namespace es::http
