#pragma once

// A real Broker for tests: two shards (ThreadExecutors), a temporary data directory, and an
// `origin_` executor standing in for a connection's shard. Subclasses adjust the config in
// configure() and call the broker through await().

#include "broker/broker.h"
#include "broker/tests/thread_executor.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <vector>

namespace es::broker::testing {

class BrokerTestBase : public ::testing::Test {
  protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }

    /// Adjusts the config before every start (the data directory is already set).
    virtual void configure(BrokerConfig&) {}

    void start() {
        shards_.clear();
        shards_.push_back(std::make_unique<ThreadExecutor>());
        shards_.push_back(std::make_unique<ThreadExecutor>());
        BrokerConfig config;
        config.data_dir = dir_.path();
        configure(config);
        broker_ = std::make_unique<Broker>(
            config, std::vector<Executor*>{shards_[0].get(), shards_[1].get()});
        auto started = broker_->start();
        ASSERT_TRUE(started.ok()) << started.error().to_string();
    }
    void stop() {
        if (!broker_) return;
        shards_.clear();  // drain the shards before closing the logs they own
        ASSERT_TRUE(broker_->stop().ok());
        broker_.reset();
    }
    void restart() {
        stop();
        start();
    }

    /// Runs `call(done)` and waits for `done`'s value.
    template <class T, class Call>
    T await(Call call) {
        std::promise<T> p;
        auto f = p.get_future();
        call([&p](T v) { p.set_value(std::move(v)); });
        return f.get();
    }

    storage::testing::TempDir dir_;
    ThreadExecutor origin_;
    std::vector<std::unique_ptr<ThreadExecutor>> shards_;
    std::unique_ptr<Broker> broker_;
};

}  // namespace es::broker::testing
