#pragma once

#include "base/result.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::http {

struct Request {
    std::string method;
    std::string path;
    std::string body;
    std::map<std::string, std::string> params;   // query parameters, last value wins
    std::map<std::string, std::string> headers;  // names lower-cased
    std::vector<std::string> matches;            // capture groups of the route's pattern
};

struct Response {
    Response() = default;
    // Not explicit: handlers answer `{200, "application/json", body}`.
    Response(int status_code, std::string type, std::string content)  // NOLINT
        : status(status_code), content_type(std::move(type)), body(std::move(content)) {}

    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::map<std::string, std::string> headers;  // extra response headers (Cache-Control, ...)
};

using Handler = std::function<Response(const Request&)>;

/// The sending end of a streaming response (server-sent events). Each write() goes out at once
/// as one HTTP chunk.
class StreamWriter {
  public:
    virtual ~StreamWriter() = default;
    /// False when the client has gone away or the server is stopping: the handler returns then.
    virtual bool write(std::string_view data) = 0;
    /// Sleeps up to `timeout`, waking at once when the server stops; false once it is stopping.
    virtual bool wait(std::chrono::milliseconds timeout) = 0;
};

/// Runs on a worker thread for as long as it streams, and must return soon after write() or
/// wait() has returned false (HttpServer::stop() waits for it).
using StreamHandler = std::function<void(const Request&, StreamWriter&)>;

/// A small HTTP/1.1 server for the admin address (readiness, metrics, later the dashboard and
/// the registry). Routes are regular expressions matched against the whole path. Handlers run
/// on the server's worker threads and must be thread-safe; an exception escaping a handler is
/// answered with 500 and logged, never propagated.
class HttpServer {
  public:
    HttpServer();
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Routes may be added at any time, also while serving; the first match wins.
    void route(const std::string& method, const std::string& pattern, Handler handler);

    /// A GET route whose answer is streamed (chunked) with `content_type` for as long as
    /// `handler` runs. Each open stream holds one of the server's worker threads, so at most
    /// max_streams (set_max_streams) run at once; more are answered 503.
    void stream(const std::string& pattern, const std::string& content_type, StreamHandler handler);
    void set_max_streams(size_t streams);

    /// Binds (port 0 picks a free one) and returns the bound port.
    Result<uint16_t> listen(const std::string& host, uint16_t port);
    /// Serves on a background thread until stop().
    void start();
    /// Stops accepting, ends open streams (their wait() and write() return false) and waits for
    /// the handlers in flight.
    void stop();

    /// Largest request body accepted; larger ones get 413.
    void set_max_body_bytes(size_t bytes);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::http
