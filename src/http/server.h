#pragma once

#include "base/result.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
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
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

using Handler = std::function<Response(const Request&)>;

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

    void route(const std::string& method, const std::string& pattern, Handler handler);

    /// Binds (port 0 picks a free one) and returns the bound port.
    Result<uint16_t> listen(const std::string& host, uint16_t port);
    /// Serves on a background thread until stop().
    void start();
    void stop();

    /// Largest request body accepted; larger ones get 413.
    void set_max_body_bytes(size_t bytes);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::http
