// The service's routes against a cluster that is not there: the page, the assets and the JSON
// API answer at once (the sampler reports the cluster's absence), and the event stream runs.

#include "dashboard/dashboard_service.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace es::dashboard {
namespace {

DashboardConfig unreachable() {
    DashboardConfig c;
    c.cluster.brokers = "127.0.0.1:1";  // nothing listens on port 1
    c.cluster.timeout = std::chrono::milliseconds(300);
    c.sample_interval = std::chrono::milliseconds(100);
    return c;
}

class ServiceFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        auto service = DashboardService::start(unreachable());
        ASSERT_TRUE(service.ok()) << service.error().to_string();
        service_ = std::move(service).value();
        service_->add_routes(server_);
        auto port = server_.listen("127.0.0.1", 0);
        ASSERT_TRUE(port.ok());
        port_ = *port;
        server_.start();
    }
    void TearDown() override {
        server_.stop();
        if (service_) service_->stop();
    }

    http::HttpServer server_;
    std::unique_ptr<DashboardService> service_;
    uint16_t port_ = 0;
};

TEST_F(ServiceFixture, ThePageAndAssetsAreServedUncached) {
    httplib::Client client("127.0.0.1", port_);
    auto page = client.Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
    auto css = client.Get("/assets/app.css");
    ASSERT_TRUE(css);
    EXPECT_EQ(css->status, 200);
    EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
    for (const char* missing : {"/assets/nothing.js", "/assets/", "/index.html"}) {
        auto res = client.Get(missing);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 404) << missing;
    }
    std::printf(
        "checked: / and /assets/<name> served with content types and no-cache; 404 "
        "otherwise\n");
}

TEST_F(ServiceFixture, EveryJsonEndpointAnswersWithoutACluster) {
    httplib::Client client("127.0.0.1", port_);
    for (const char* path : {"/v1/overview", "/v1/topics", "/v1/groups", "/v1/jobs",
                             "/v1/attribution", "/v1/alerts"}) {
        auto res = client.Get(path);
        ASSERT_TRUE(res) << path;
        EXPECT_EQ(res->status, 200) << path;
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
        auto doc = nlohmann::json::parse(res->body, nullptr, false);
        ASSERT_TRUE(doc.is_object()) << path;
        EXPECT_TRUE(doc["time"].is_number()) << path;
    }
    std::printf(
        "checked: the six /v1 endpoints answer JSON objects with a time, cluster or "
        "not\n");
}

TEST_F(ServiceFixture, TheStreamSendsSnapshotEvents) {
    httplib::Client client("127.0.0.1", port_);
    std::string got;
    int events = 0;
    auto res = client.Get("/v1/stream", [&](const char* data, size_t size) {
        got.append(data, size);
        size_t at = 0;
        events = 0;
        while ((at = got.find("event: snapshot\ndata: {", at)) != std::string::npos) {
            ++events;
            ++at;
        }
        return events < 2;
    });
    EXPECT_GE(events, 2);
    auto first = got.find("data: ");
    auto end = got.find("\n\n", first);
    auto doc = nlohmann::json::parse(got.substr(first + 6, end - first - 6), nullptr, false);
    ASSERT_TRUE(doc.is_object());
    for (const char* key : {"overview", "topics", "groups", "jobs", "attribution", "alerts"}) {
        EXPECT_TRUE(doc.contains(key)) << key;
    }
    std::printf("checked: /v1/stream sends snapshot events holding the six objects\n");
}

TEST(DashboardService, APropertyLibrdkafkaRefusesFailsStart) {
    DashboardConfig c = unreachable();
    c.cluster.properties["no.such.property"] = "1";
    auto service = DashboardService::start(c);
    ASSERT_FALSE(service.ok());
    std::printf("checked: start() fails on a client property librdkafka refuses: %s\n",
                service.error().to_string().c_str());
}

}  // namespace
}  // namespace es::dashboard
