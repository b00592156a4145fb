#pragma once

// Calls one Kafka API handler directly, without sockets: a real Broker on a temporary directory
// with ThreadExecutor shards, a request struct encoded at a version, a RequestContext built the
// way the server builds it, and the response decoded back into its struct at that version.

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/result.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/group_store.h"
#include "broker/tests/thread_executor.h"
#include "broker/txn_coordinator.h"
#include "kafka/server/request_context.h"
#include "storage/tests/test_util.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace es::kafka::server::testing {

/// What a handler gave to respond(), and how many times it called it.
struct Answer {
    Result<std::optional<Bytes>> result =
        Error(std::make_error_code(std::errc::timed_out), "respond() was not called");
    int calls = 0;
};

/// A broker on two shards. The handler runs on shard 0, which is also the connection's shard
/// (ctx->shard), as the server runs it.
///
/// Lifecycle: the constructor starts the broker; the destructor drains the shards, stops the
/// broker and removes the directory.
class HandlerHarness {
  public:
    explicit HandlerHarness(broker::BrokerConfig config = {}) {
        shards_.push_back(std::make_unique<broker::testing::ThreadExecutor>());
        shards_.push_back(std::make_unique<broker::testing::ThreadExecutor>());
        config.data_dir = dir_.path();
        broker_ = std::make_unique<broker::Broker>(
            config, std::vector<broker::Executor*>{shards_[0].get(), shards_[1].get()});
        started_ = broker_->start();
        server_config_.cluster_id = "harness-cluster";
        server_config_.node_id = config.node_id;
        server_config_.advertised_host = "127.0.0.1";
        server_config_.advertised_port = 19092;
    }

    ~HandlerHarness() {
        if (groups_) {
            // The coordinators belong to shard 0: destroyed there, after what is queued.
            std::promise<void> gone;
            shards_[0]->post([&] {
                transactions_.reset();
                groups_.reset();
                group_store_.reset();
                gone.set_value();
            });
            gone.get_future().wait();
        }
        shards_.clear();  // joins the threads after running what is queued
        if (broker_ && started_.ok()) broker_->stop().ignore_error();
    }

    HandlerHarness(const HandlerHarness&) = delete;
    HandlerHarness& operator=(const HandlerHarness&) = delete;

    const Status& started() const { return started_; }
    broker::Broker& broker() { return *broker_; }
    broker::Executor& shard() { return *shards_[0]; }
    ServerConfig& server_config() { return server_config_; }
    const std::string& data_dir() const { return dir_.path(); }

    /// Starts the group and transaction coordinators on shard 0 from __consumer_offsets and
    /// __transaction_state, as `serve` does; later calls see them in ctx->groups and
    /// ctx->transactions.
    Status start_coordinators(broker::TxnConfig txn_config = {}) {
        broker::Executor& home = *shards_[0];
        group_store_ = std::make_unique<broker::OffsetsTopicStore>(*broker_, home);
        groups_ =
            std::make_unique<broker::GroupCoordinator>(broker::GroupConfig{}, home, *group_store_);
        std::promise<Result<std::vector<broker::GroupRecord>>> records;
        home.post([&] { group_store_->open([&](auto r) { records.set_value(std::move(r)); }); });
        auto loaded = records.get_future().get();
        if (!loaded.ok()) return loaded.error();
        groups_->load(*loaded);
        transactions_ =
            std::make_unique<broker::TxnCoordinator>(txn_config, *broker_, *groups_, home);
        std::promise<Status> txns;
        home.post([&] { transactions_->load([&](Status s) { txns.set_value(std::move(s)); }); });
        ES_CHECK(txns.get_future().get());
        broker_->set_txn_verifier(transactions_->verifier());
        return {};
    }
    broker::GroupCoordinator* groups() { return groups_.get(); }
    broker::TxnCoordinator* transactions() { return transactions_.get(); }

    template <class Request>
    static Bytes encode(const Request& request, int16_t version) {
        Bytes out;
        ByteWriter writer(out);
        request.encode(writer, version);
        return out;
    }

    /// Runs `handler` on the request body `body` and waits for its answer (at most 10 s, a
    /// guard against a handler that never answers, not a timing assertion). After the answer
    /// it lets every shard finish what is queued, so a second respond() would be counted.
    Answer call_raw(Handler handler, int16_t api_key, int16_t version, BytesView body) {
        auto frame = std::make_shared<Buffer>(Buffer::copy_of(body));
        auto state = std::make_shared<State>();
        auto ctx = std::make_shared<RequestContext>(
            RequestContext{*broker_, *shards_[0], server_config_, api_key, version, 42,
                           std::string("handler-harness"), frame, frame->mutable_view(), nullptr});
        ctx->groups = groups_.get();
        ctx->transactions = transactions_.get();
        ctx->respond = [state](Result<std::optional<ResponseBody>> answer) {
            // Tests read the answer whole, as the client receives it.
            Result<std::optional<Bytes>> flat = std::optional<Bytes>();
            if (!answer.ok()) {
                flat = std::move(answer).error();
            } else if (*answer) {
                flat = std::optional<Bytes>((*answer)->flatten());
            }
            std::lock_guard lock(state->mu);
            if (++state->calls == 1) state->first.set_value(std::move(flat));
        };
        auto future = state->first.get_future();
        shards_[0]->post([handler, ctx] { handler(ctx); });
        Answer out;
        if (future.wait_for(std::chrono::seconds(10)) == std::future_status::ready) {
            out.result = future.get();
        }
        drain();
        std::lock_guard lock(state->mu);
        out.calls = state->calls;
        return out;
    }

    /// Encodes `request` at `version`, runs the handler and decodes its answer at `version`.
    /// An error when the handler answered with an error or its bytes do not decode.
    template <class Response, class Request>
    Result<Response> call(Handler handler, const Request& request, int16_t version) {
        Bytes body = encode(request, version);
        Answer answer = call_raw(handler, Request::api_key, version, body);
        last_calls_ = answer.calls;
        if (!answer.result.ok()) return std::move(answer.result).error();
        if (!answer.result.value())
            return Error(std::make_error_code(std::errc::no_message), "no response body");
        const Bytes& bytes = **answer.result;
        Response response;
        ByteReader reader(bytes);
        ES_CHECK(response.decode(reader, version));
        if (!reader.empty()) {
            return Error(std::make_error_code(std::errc::bad_message),
                         std::to_string(reader.remaining()) + " bytes after the response");
        }
        return response;
    }

    /// How many times the handler of the last call() called respond().
    int last_calls() const { return last_calls_; }

    /// Waits until every shard has run what was queued before this call.
    void drain() {
        for (auto& shard : shards_) {
            std::promise<void> done;
            auto f = done.get_future();
            shard->post([&done] { done.set_value(); });
            f.wait();
        }
    }

  private:
    struct State {
        std::mutex mu;
        int calls = 0;
        std::promise<Result<std::optional<Bytes>>> first;
    };

    storage::testing::TempDir dir_;
    std::vector<std::unique_ptr<broker::testing::ThreadExecutor>> shards_;
    std::unique_ptr<broker::Broker> broker_;
    Status started_;
    ServerConfig server_config_;
    int last_calls_ = 0;
    std::unique_ptr<broker::OffsetsTopicStore> group_store_;
    std::unique_ptr<broker::GroupCoordinator> groups_;
    std::unique_ptr<broker::TxnCoordinator> transactions_;
};

}  // namespace es::kafka::server::testing
