#include "client/group_consumer.h"

#include "client/errc.h"
#include "client/handle.h"
#include "client/logger.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::client {

struct GroupConsumer::Impl : detail::HandleState {
    detail::HandlePtr rk;
    std::string group_id;
    std::chrono::milliseconds timeout{};
    RebalanceListener* listener = nullptr;
    /// What the rebalance callbacks assigned: the truth for seek() and for dropping the records
    /// of revoked partitions, without asking librdkafka on every call.
    std::set<model::TopicPartition> assigned;
    /// Records poll_batch() has taken from librdkafka but not handed out yet. A revocation
    /// inside the same poll_batch() drops the revoked partitions' ones: the caller has just
    /// committed without them, and the next owner reads them from the committed offset.
    std::vector<rd_kafka_message_t*> collecting;
    /// An error met after some records, returned by the next poll_batch().
    std::optional<Error> pending_error;
    bool closed = false;

    ~Impl() override {
        for (rd_kafka_message_t* m : collecting) rd_kafka_message_destroy(m);
        rk.reset();
    }

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque) {
        auto* self = static_cast<Impl*>(static_cast<detail::HandleState*>(opaque));
        self->rebalance(rk, err, partitions);
    }

    void rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                   rd_kafka_topic_partition_list_t* partitions) {
        const char* protocol = rd_kafka_rebalance_protocol(handle);
        // librdkafka requires the incremental calls under the cooperative protocol and the
        // full-assignment ones under the eager protocols.
        bool cooperative = protocol && std::string_view(protocol) == "COOPERATIVE";
        std::vector<model::TopicPartition> tps = detail::partitions_of(partitions);
        std::sort(tps.begin(), tps.end());  // librdkafka's order is the assignor's
        switch (err) {
            case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: {
                Status applied = cooperative ? incremental(handle, partitions, true)
                                             : full_assign(handle, partitions);
                if (!cooperative) assigned.clear();
                if (!applied.ok()) {
                    keep_error(std::move(applied).error());
                    return;
                }
                assigned.insert(tps.begin(), tps.end());
                notify(&RebalanceListener::on_assigned, tps);
                return;
            }
            case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: {
                bool lost = rd_kafka_assignment_lost(handle) != 0;
                drop_collected(tps);
                // Before giving them up: a member that still owns them may commit for them.
                notify(lost ? &RebalanceListener::on_lost : &RebalanceListener::on_revoked, tps);
                Status applied = cooperative ? incremental(handle, partitions, false)
                                             : full_assign(handle, nullptr);
                if (cooperative) {
                    for (const model::TopicPartition& tp : tps) assigned.erase(tp);
                } else {
                    assigned.clear();
                }
                if (!applied.ok()) keep_error(std::move(applied).error());
                return;
            }
            default: {
                // The group protocol failed (no assignor in common, ...): the assignment is void.
                keep_error(detail::make_error(
                    err, fmt::format("rebalancing in group \"{}\"", group_id), {}, this));
                std::vector<model::TopicPartition> owned(assigned.begin(), assigned.end());
                drop_collected(owned);
                notify(&RebalanceListener::on_lost, owned);
                Status cleared = full_assign(handle, nullptr);
                assigned.clear();
                if (!cleared.ok()) keep_error(std::move(cleared).error());
                return;
            }
        }
    }

    Status full_assign(rd_kafka_t* handle, rd_kafka_topic_partition_list_t* partitions) {
        rd_kafka_resp_err_t err = rd_kafka_assign(handle, partitions);
        if (err) return detail::make_error(err, "applying the group's assignment", {}, this);
        return ok_status();
    }

    Status incremental(rd_kafka_t* handle, rd_kafka_topic_partition_list_t* partitions, bool add) {
        rd_kafka_error_t* error = add ? rd_kafka_incremental_assign(handle, partitions)
                                      : rd_kafka_incremental_unassign(handle, partitions);
        if (!error) return ok_status();
        return detail::take_error(error, "applying the group's assignment", handle, this);
    }

    void keep_error(Error e) {
        client_log.warn("group \"{}\": {}", group_id, e.message());
        if (!pending_error) pending_error = std::move(e);
    }

    void drop_collected(const std::vector<model::TopicPartition>& tps) {
        if (collecting.empty() || tps.empty()) return;
        std::set<model::TopicPartition> gone(tps.begin(), tps.end());
        auto kept =
            std::remove_if(collecting.begin(), collecting.end(), [&](rd_kafka_message_t* m) {
                model::TopicPartition tp{rd_kafka_topic_name(m->rkt),
                                         model::PartitionId(m->partition)};
                if (!gone.count(tp)) return false;
                rd_kafka_message_destroy(m);
                return true;
            });
        collecting.erase(kept, collecting.end());
    }

    void notify(void (RebalanceListener::*callback)(const std::vector<model::TopicPartition>&),
                const std::vector<model::TopicPartition>& tps) {
        if (!listener || tps.empty()) return;
        try {
            (listener->*callback)(tps);
        } catch (const std::exception& e) {
            client_log.error("group \"{}\": a rebalance listener threw: {}", group_id, e.what());
        } catch (...) {
            client_log.error("group \"{}\": a rebalance listener threw", group_id);
        }
    }

    Status check_open(std::string_view operation) const {
        if (!closed) return ok_status();
        return Error(Errc::invalid_state,
                     fmt::format("{}: the member of group \"{}\" is closed", operation, group_id));
    }

    Status check_assigned(const std::vector<model::TopicPartition>& tps,
                          std::string_view operation) const {
        for (const model::TopicPartition& tp : tps) {
            if (!assigned.count(tp)) {
                return Error(Errc::invalid_argument,
                             fmt::format("{} {}: not assigned to this member of group \"{}\"",
                                         operation, tp.to_string(), group_id));
            }
        }
        return ok_status();
    }
};

namespace detail {

rd_kafka_s* GroupConsumerAccess::handle(const GroupConsumer& consumer) {
    return consumer.impl_->rk.get();
}

}  // namespace detail

GroupConsumer::GroupConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GroupConsumer::~GroupConsumer() {
    if (impl_ && !impl_->closed) close().ignore_error();
}

Result<std::unique_ptr<GroupConsumer>> GroupConsumer::make(const ClientConfig& config,
                                                           const std::string& group_id,
                                                           RebalanceListener* listener) {
    if (group_id.empty()) return Error(Errc::config, "group consumer: empty group id");
    if (auto it = config.properties.find("group.id");
        it != config.properties.end() && it->second != group_id) {
        return Error(Errc::config, fmt::format("group consumer: property group.id \"{}\" differs "
                                               "from the group id \"{}\"",
                                               it->second, group_id));
    }
    auto impl = std::make_unique<Impl>();
    impl->group_id = group_id;
    impl->timeout = config.timeout;
    impl->listener = listener;
    const std::map<std::string, std::string> defaults = {
        {"client.id", "edgestream"},
        {"group.id", group_id},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"isolation.level", "read_committed"},
        {"partition.assignment.strategy", "range"},
        {"enable.partition.eof", "false"},
    };
    ES_TRY(impl->rk, detail::make_handle(detail::HandleKind::consumer, config, defaults, *impl,
                                         [](rd_kafka_conf_s* conf) {
                                             rd_kafka_conf_set_rebalance_cb(conf,
                                                                            &Impl::on_rebalance);
                                         }));
    // One queue for everything: error callbacks are then served by poll_batch() too.
    rd_kafka_resp_err_t err = rd_kafka_poll_set_consumer(impl->rk.get());
    if (err) return detail::make_error(err, "creating the group consumer");
    return std::unique_ptr<GroupConsumer>(new GroupConsumer(std::move(impl)));
}

Status GroupConsumer::subscribe(const std::vector<std::string>& topics) {
    ES_CHECK(impl_->check_open("subscribing"));
    if (topics.empty()) return Error(Errc::invalid_argument, "subscribing: no topics");
    detail::PartitionListPtr list(
        rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const std::string& topic : topics) {
        if (topic.empty()) return Error(Errc::invalid_argument, "subscribing: empty topic name");
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(impl_->rk.get(), list.get());
    if (err) {
        return detail::make_error(err, fmt::format("subscribing group \"{}\"", impl_->group_id));
    }
    return ok_status();
}

Result<MessageBatch> GroupConsumer::poll_batch(size_t max, std::chrono::milliseconds timeout) {
    ES_CHECK(impl_->check_open("polling"));
    if (impl_->pending_error) return *std::exchange(impl_->pending_error, std::nullopt);
    MessageBatch batch;
    if (max == 0) return batch;
    rd_kafka_t* rk = impl_->rk.get();
    std::vector<rd_kafka_message_t*>& got = impl_->collecting;
    // One record per call, not rd_kafka_consume_batch_queue(): each call serves the rebalance
    // callbacks in order with the records around them, so that records fetched before a
    // revocation can be dropped (drop_collected) instead of handed out after the commit.
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, detail::to_ms(timeout));
    while (m) {
        if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
            rd_kafka_message_destroy(m);
            for (rd_kafka_message_t* left : got) rd_kafka_message_destroy(left);
            got.clear();
            return detail::fatal_error(rk,
                                       fmt::format("consuming in group \"{}\"", impl_->group_id));
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
        } else if (m->err) {
            Error e = detail::message_error(m, impl_.get());
            rd_kafka_message_destroy(m);
            if (got.empty()) return e;
            if (!impl_->pending_error) impl_->pending_error = std::move(e);
            break;
        } else {
            got.push_back(m);
            if (got.size() >= max) break;
        }
        m = rd_kafka_consumer_poll(rk, 0);
    }
    detail::MessageBatchAccess::reserve(batch, got.size());
    for (rd_kafka_message_t* record : got) detail::MessageBatchAccess::append(batch, record);
    got.clear();
    return batch;
}

Status GroupConsumer::commit(const std::vector<TopicPartitionOffset>& offsets) {
    ES_CHECK(impl_->check_open("committing"));
    if (offsets.empty()) return ok_status();
    std::string context = fmt::format("committing offsets of group \"{}\"", impl_->group_id);
    ES_CHECK(detail::check_offsets(offsets, context));
    detail::PartitionListPtr list = detail::to_partition_list(offsets);
    rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk.get(), list.get(), /*async=*/0);
    if (err) return detail::make_error(err, context, {}, impl_.get());
    if (auto e = detail::first_partition_error(list.get(), context + " for")) return *e;
    return ok_status();
}

Result<std::vector<TopicPartitionOffset>> GroupConsumer::committed(
    const std::vector<model::TopicPartition>& partitions) {
    ES_CHECK(impl_->check_open("reading committed offsets"));
    std::vector<TopicPartitionOffset> out;
    if (partitions.empty()) return out;
    std::string context =
        fmt::format("reading the committed offsets of group \"{}\"", impl_->group_id);
    detail::PartitionListPtr list = detail::to_partition_list(partitions);
    rd_kafka_resp_err_t err =
        rd_kafka_committed(impl_->rk.get(), list.get(), detail::to_ms(impl_->timeout));
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        return detail::timeout_error(context, impl_->timeout, *impl_);
    }
    if (err) return detail::make_error(err, context, {}, impl_.get());
    if (auto e = detail::first_partition_error(list.get(), context + " for")) return *e;
    for (int i = 0; i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = list->elems[i];
        if (p.offset < 0) continue;  // RD_KAFKA_OFFSET_INVALID: nothing committed
        out.push_back({{p.topic, model::PartitionId(p.partition)}, model::Offset(p.offset)});
    }
    return out;
}

Status GroupConsumer::seek(const model::TopicPartition& tp, model::Offset next) {
    ES_CHECK(impl_->check_open("seeking"));
    ES_CHECK(impl_->check_assigned({tp}, "seeking"));
    std::string context = fmt::format("seeking {} to {}", tp.to_string(), next.value());
    if (next.value() < 0) {
        return Error(Errc::invalid_argument, fmt::format("{}: negative offset", context));
    }
    detail::PartitionListPtr list = detail::to_partition_list({TopicPartitionOffset{tp, next}});
    rd_kafka_error_t* error =
        rd_kafka_seek_partitions(impl_->rk.get(), list.get(), detail::to_ms(impl_->timeout));
    if (error) return detail::take_error(error, context, impl_->rk.get(), impl_.get());
    if (auto e = detail::first_partition_error(list.get(), context + ":")) return *e;
    return ok_status();
}

Status GroupConsumer::pause(const std::vector<model::TopicPartition>& partitions) {
    ES_CHECK(impl_->check_open("pausing"));
    ES_CHECK(impl_->check_assigned(partitions, "pausing"));
    if (partitions.empty()) return ok_status();
    detail::PartitionListPtr list = detail::to_partition_list(partitions);
    rd_kafka_resp_err_t err = rd_kafka_pause_partitions(impl_->rk.get(), list.get());
    if (err) return detail::make_error(err, "pausing");
    if (auto e = detail::first_partition_error(list.get(), "pausing")) return *e;
    return ok_status();
}

Status GroupConsumer::resume(const std::vector<model::TopicPartition>& partitions) {
    ES_CHECK(impl_->check_open("resuming"));
    ES_CHECK(impl_->check_assigned(partitions, "resuming"));
    if (partitions.empty()) return ok_status();
    detail::PartitionListPtr list = detail::to_partition_list(partitions);
    rd_kafka_resp_err_t err = rd_kafka_resume_partitions(impl_->rk.get(), list.get());
    if (err) return detail::make_error(err, "resuming");
    if (auto e = detail::first_partition_error(list.get(), "resuming")) return *e;
    return ok_status();
}

std::vector<TopicPartitionOffset> GroupConsumer::positions() const {
    std::vector<TopicPartitionOffset> out;
    std::vector<model::TopicPartition> assigned = assignment();
    if (assigned.empty()) return out;
    detail::PartitionListPtr list = detail::to_partition_list(assigned);
    if (rd_kafka_position(impl_->rk.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    for (int i = 0; i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = list->elems[i];
        if (p.err || p.offset < 0) continue;
        out.push_back({{p.topic, model::PartitionId(p.partition)}, model::Offset(p.offset)});
    }
    return out;
}

std::vector<model::TopicPartition> GroupConsumer::assignment() const {
    return {impl_->assigned.begin(), impl_->assigned.end()};
}

std::string GroupConsumer::member_id() const {
    char* id = rd_kafka_memberid(impl_->rk.get());
    if (!id) return {};
    std::string out(id);
    rd_kafka_mem_free(impl_->rk.get(), id);
    return out;
}

const std::string& GroupConsumer::group_id() const { return impl_->group_id; }

Status GroupConsumer::close() {
    if (impl_->closed) return ok_status();
    // Serves the final revocation (on_revoked) on this thread, then sends LeaveGroup.
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(impl_->rk.get());
    impl_->closed = true;
    impl_->assigned.clear();
    if (err) {
        return detail::make_error(err, fmt::format("leaving group \"{}\"", impl_->group_id), {},
                                  impl_.get());
    }
    return ok_status();
}

}  // namespace es::client
