#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <stdexcept>
#include <string>

namespace es::http {
namespace {

class HttpFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        server_.route("GET", "/v1/echo/([a-z]+)", [](const Request& r) {
            return Response{200, "text/plain", r.matches.at(0) + "|" + r.params.at("q")};
        });
        server_.route("POST", "/v1/body", [](const Request& r) {
            return Response{201, "text/plain", std::to_string(r.body.size())};
        });
        server_.route("GET", "/v1/throws",
                      [](const Request&) -> Response { throw std::runtime_error("boom"); });
        server_.set_max_body_bytes(1024);
        auto port = server_.listen("127.0.0.1", 0);
        ASSERT_TRUE(port.ok());
        port_ = *port;
        server_.start();
    }

    HttpServer server_;
    uint16_t port_ = 0;
};

TEST_F(HttpFixture, RoutesPassCapturesAndQueryParameters) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/v1/echo/abc?q=x");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "abc|x");
}

TEST_F(HttpFixture, UnknownPathsAnswer404) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/v1/nothing");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
}

TEST_F(HttpFixture, OversizedBodiesAnswer413AndNeverReachTheHandler) {
    httplib::Client client("127.0.0.1", port_);
    auto small = client.Post("/v1/body", std::string(100, 'x'), "text/plain");
    ASSERT_TRUE(small);
    EXPECT_EQ(small->status, 201);
    auto big = client.Post("/v1/body", std::string(4096, 'x'), "text/plain");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
}

TEST_F(HttpFixture, AThrowingHandlerAnswers500AndTheServerKeepsServing) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/v1/throws");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 500);
    auto again = client.Get("/v1/echo/ok?q=1");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
}

TEST(HttpServer, ListeningOnABusyPortIsAClearError) {
    HttpServer first;
    auto port = first.listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    HttpServer second;
    auto clash = second.listen("127.0.0.1", *port);
    ASSERT_FALSE(clash.ok());
    EXPECT_NE(clash.error().to_string().find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace es::http
