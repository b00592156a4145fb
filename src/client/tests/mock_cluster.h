#pragma once

// librdkafka's in-process mock cluster for the client unit tests (src/client/tests). Kept out of
// client_test_util.h, which the integration tests include too: they run against the real broker.

#include "client/config.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>

namespace es::client::testing {

/// A mock cluster of three brokers, hosted by a librdkafka handle of its own: setting
/// "test.mock.num.brokers" makes a handle start one. Clients under test reach it over TCP
/// through its bootstrap address, like any cluster.
class MockCluster {
  public:
    explicit MockCluster(int brokers = 3) {
        char errstr[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "test.mock.num.brokers", std::to_string(brokers).c_str(), errstr,
                          sizeof errstr);
        rd_kafka_conf_set_log_cb(conf, nullptr);  // "mock cluster enabled" notices
        rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        if (!rk_) {
            rd_kafka_conf_destroy(conf);
            ADD_FAILURE() << "cannot start the mock cluster: " << errstr;
            return;
        }
        mock_ = rd_kafka_handle_mock_cluster(rk_);
        bootstraps_ = rd_kafka_mock_cluster_bootstraps(mock_);
    }
    ~MockCluster() {
        if (rk_) rd_kafka_destroy(rk_);
    }
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    void create_topic(const std::string& name, int partitions, int replication = 3) {
        ASSERT_EQ(rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, replication),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }

    ClientConfig config(std::map<std::string, std::string> properties = {}) const {
        ClientConfig c;
        c.brokers = bootstraps_;
        c.properties = std::move(properties);
        c.timeout = std::chrono::seconds(10);
        return c;
    }

    rd_kafka_mock_cluster_t* mock() const { return mock_; }

  private:
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_mock_cluster_t* mock_ = nullptr;
    std::string bootstraps_;
};

}  // namespace es::client::testing
