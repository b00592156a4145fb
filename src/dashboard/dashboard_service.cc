#include "dashboard/dashboard_service.h"

#include "dashboard/assets.h"
#include "dashboard/render.h"
#include "dashboard/sampler.h"

#include <string>
#include <utility>

namespace es::dashboard {
namespace {

constexpr const char* kJson = "application/json";

/// The page and the JSON change every second: never cached.
http::Response fresh(int status, std::string content_type, std::string body) {
    http::Response r{status, std::move(content_type), std::move(body)};
    r.headers["Cache-Control"] = "no-cache";
    return r;
}

http::Response asset(std::string_view path) {
    const Asset* a = find_asset(path);
    if (!a) return fresh(404, "text/plain; charset=utf-8", "not found\n");
    return fresh(200, std::string(a->content_type), std::string(a->body));
}

}  // namespace

struct DashboardService::Impl {
    DashboardConfig config;
    std::unique_ptr<Sampler> sampler;
};

DashboardService::DashboardService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DashboardService::~DashboardService() { stop(); }

Result<std::unique_ptr<DashboardService>> DashboardService::start(DashboardConfig config) {
    auto impl = std::make_unique<Impl>();
    ES_TRY(impl->sampler, Sampler::start(config));
    impl->config = std::move(config);
    return std::unique_ptr<DashboardService>(new DashboardService(std::move(impl)));
}

void DashboardService::add_routes(http::HttpServer& server) {
    Sampler* sampler = impl_->sampler.get();
    struct Endpoint {
        const char* path;
        std::string RenderedSnapshot::*part;
    };
    for (const Endpoint& e : {Endpoint{"/v1/overview", &RenderedSnapshot::overview},
                              Endpoint{"/v1/topics", &RenderedSnapshot::topics},
                              Endpoint{"/v1/groups", &RenderedSnapshot::groups},
                              Endpoint{"/v1/jobs", &RenderedSnapshot::jobs},
                              Endpoint{"/v1/attribution", &RenderedSnapshot::attribution},
                              Endpoint{"/v1/alerts", &RenderedSnapshot::alerts}}) {
        server.route("GET", e.path, [sampler, part = e.part](const http::Request&) {
            return fresh(200, kJson, (*sampler->latest()).*part);
        });
    }
    auto interval = impl_->config.sample_interval;
    server.stream("/v1/stream", "text/event-stream",
                  [sampler, interval](const http::Request&, http::StreamWriter& out) {
                      // The browser reconnects after `retry` ms when the stream drops.
                      if (!out.write("retry: 2000\n\n")) return;
                      do {
                          auto snapshot = sampler->latest();
                          if (!out.write("event: snapshot\ndata: " + snapshot->event + "\n\n")) {
                              return;
                          }
                      } while (out.wait(interval));
                  });
    server.route("GET", "/", [](const http::Request&) { return asset("/"); });
    server.route("GET", "/assets/([A-Za-z0-9._-]+)",
                 [](const http::Request& r) { return asset("/assets/" + r.matches.at(0)); });
}

void DashboardService::stop() {
    if (impl_->sampler) impl_->sampler->stop();
}

}  // namespace es::dashboard
