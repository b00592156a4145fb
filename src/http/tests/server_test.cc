#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

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

TEST_F(HttpFixture, ResponseHeadersReachTheClient) {
    server_.route("GET", "/v1/headers", [](const Request&) {
        Response r{200, "text/plain", "x"};
        r.headers["Cache-Control"] = "no-cache";
        return r;
    });
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/v1/headers");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
    std::printf("checked: extra response headers are sent\n");
}

TEST_F(HttpFixture, RoutesAddedWhileServingAreServed) {
    httplib::Client client("127.0.0.1", port_);
    auto before = client.Get("/v1/late");
    ASSERT_TRUE(before);
    EXPECT_EQ(before->status, 404);
    server_.route("GET", "/v1/late", [](const Request&) {
        return Response{200, "text/plain", "here"};
    });
    auto after = client.Get("/v1/late");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
    EXPECT_EQ(after->body, "here");
    auto head = client.Head("/v1/late");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    std::printf("checked: a route added while the server runs is served (GET and HEAD)\n");
}

/// Polls `done` for up to 20 s: the handlers below must end on their own, and a hang must fail
/// the test rather than block ctest (this bounds liveness, it does not measure speed).
bool eventually(const std::atomic<bool>& done) {
    for (int i = 0; i < 2000 && !done; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done;
}

TEST(HttpStream, ChunksArriveInOrderWithTheStreamsContentType) {
    HttpServer server;
    server.stream("/v1/stream", "text/event-stream", [](const Request& r, StreamWriter& w) {
        for (int i = 0; i < 3; ++i) {
            if (!w.write("data: " + std::to_string(i) + r.params.at("q") + "\n\n")) return;
            if (!w.wait(std::chrono::milliseconds(5))) return;
        }
    });
    auto port = server.listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    server.start();
    httplib::Client client("127.0.0.1", *port);
    auto res = client.Get("/v1/stream?q=x");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
    EXPECT_EQ(res->body, "data: 0x\n\ndata: 1x\n\ndata: 2x\n\n");
    std::printf("checked: a stream's chunks arrive in order, as text/event-stream, no-cache\n");
}

TEST(HttpStream, TheHandlerEndsWhenTheClientGoesAway) {
    HttpServer server;
    std::atomic<bool> ended{false};
    server.stream("/v1/stream", "text/event-stream", [&](const Request&, StreamWriter& w) {
        while (w.write("data: tick\n\n") && w.wait(std::chrono::milliseconds(10))) {
        }
        ended = true;
    });
    auto port = server.listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    server.start();
    {
        httplib::Client client("127.0.0.1", *port);
        std::string got;
        // Returning false from the receiver makes the client drop the connection.
        auto res = client.Get("/v1/stream", [&](const char* data, size_t size) {
            got.append(data, size);
            return false;
        });
        EXPECT_NE(got.find("data: tick"), std::string::npos);
    }
    EXPECT_TRUE(eventually(ended));
    std::printf("checked: a stream's handler returns once its client has gone away\n");
    server.stop();
}

TEST(HttpStream, StopEndsOpenStreamsInsteadOfWaitingForThem) {
    HttpServer server;
    std::atomic<bool> ended{false};
    std::promise<void> first_write;
    server.stream("/v1/stream", "text/event-stream", [&](const Request&, StreamWriter& w) {
        bool first = true;
        while (w.write("data: tick\n\n")) {
            if (first) first_write.set_value();
            first = false;
            if (!w.wait(std::chrono::hours(1))) break;
        }
        ended = true;
    });
    auto port = server.listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    server.start();
    std::thread reader([p = *port] {
        httplib::Client client("127.0.0.1", p);
        auto res = client.Get("/v1/stream", [](const char*, size_t) { return true; });
    });
    first_write.get_future().wait();
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        server.stop();
        stopped = true;
    });
    EXPECT_TRUE(eventually(stopped));
    EXPECT_TRUE(ended);
    stopper.join();
    reader.join();
    std::printf("checked: stop() ends a stream that waits between events and returns\n");
}

TEST(HttpStream, StreamsBeyondTheLimitAnswer503) {
    HttpServer server;
    server.set_max_streams(1);
    std::promise<void> open;
    server.stream("/v1/stream", "text/event-stream", [&](const Request&, StreamWriter& w) {
        w.write("data: hello\n\n");
        open.set_value();
        while (w.wait(std::chrono::hours(1))) {
        }
    });
    auto port = server.listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    server.start();
    std::thread holder([p = *port] {
        httplib::Client client("127.0.0.1", p);
        auto res = client.Get("/v1/stream", [](const char*, size_t) { return true; });
    });
    open.get_future().wait();
    httplib::Client second("127.0.0.1", *port);
    auto res = second.Get("/v1/stream");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
    server.stop();
    holder.join();
    std::printf("checked: streams beyond set_max_streams() answer 503\n");
}

}  // namespace
}  // namespace es::http
