#pragma once

// Internal to client/: what the producer, consumer and admin share on top of librdkafka.
// librdkafka's own header stays in the .cc files; here its types are only forward-declared.

#include "base/error.h"
#include "base/result.h"
#include "client/config.h"
#include "client/errc.h"
#include "client/message.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct rd_kafka_s;                       // rd_kafka_t
struct rd_kafka_conf_s;                  // rd_kafka_conf_t
struct rd_kafka_message_s;               // rd_kafka_message_t
struct rd_kafka_error_s;                 // rd_kafka_error_t
struct rd_kafka_topic_partition_list_s;  // rd_kafka_topic_partition_list_t
struct rd_kafka_topic_s;                 // rd_kafka_topic_t

namespace es::client {
class GroupConsumer;
class MessageBatch;
}  // namespace es::client

namespace es::client::detail {

/// What the callbacks of one librdkafka handle share with their owner. librdkafka's opaque
/// pointer is this object; the producer's Impl derives from it to receive delivery reports.
///
/// Runs on: record_error() from the thread that serves the handle's main queue (rd_kafka_poll),
/// last_error() from any thread.
class HandleState {
  public:
    virtual ~HandleState() = default;

    void record_error(std::string text);
    /// The last client-wide error librdkafka reported ("127.0.0.1:1/bootstrap: Connect to ...
    /// failed: Connection refused"), or empty when there was none in the last `max_age`: an
    /// error from long ago says nothing about why an operation fails now.
    std::string last_error(std::chrono::milliseconds max_age) const;

  private:
    mutable std::mutex mu_;
    std::string last_error_;
    std::chrono::steady_clock::time_point last_error_at_;
};

struct HandleDeleter {
    void operator()(rd_kafka_s* rk) const;
};
/// Owns an rd_kafka_t; destroying it stops librdkafka's threads.
using HandlePtr = std::unique_ptr<rd_kafka_s, HandleDeleter>;

enum class HandleKind { producer, consumer };

/// Creates a librdkafka handle: `defaults` first, then bootstrap.servers from `config.brokers`,
/// then `config.properties`, which win. librdkafka's log lines go to the client logger and its
/// client-wide errors to `state`, which must outlive the handle. `configure` may set further
/// callbacks on the configuration before the handle is created.
Result<HandlePtr> make_handle(HandleKind kind, const ClientConfig& config,
                              const std::map<std::string, std::string>& defaults,
                              HandleState& state,
                              const std::function<void(rd_kafka_conf_s*)>& configure = {});

/// Errc::invalid_argument naming the first negative offset: group offsets are next offsets to
/// read, never logical ones.
Status check_offsets(const std::vector<TopicPartitionOffset>& offsets, std::string_view context);

/// The Errc for a librdkafka error code (rd_kafka_resp_err_t).
Errc errc_for(int rd_err);

/// Takes and destroys `error` (an rd_kafka_error_t from the transactional producer API) and maps
/// it by its flags rather than its code alone: fatal ones to Errc::fenced (another instance
/// took over) or Errc::fatal, abortable ones to Errc::abortable, the others by errc_for().
/// `rk` supplies the underlying fatal error when librdkafka only says _FATAL.
Error take_error(rd_kafka_error_s* error, std::string_view context, rd_kafka_s* rk,
                 const HandleState* state);

/// The error a client is stopped by (rd_kafka_fatal_error): Errc::fenced or Errc::fatal.
Error fatal_error(rd_kafka_s* rk, std::string_view context);

/// "<context>: <NAME> (<code>): <detail>", where detail defaults to librdkafka's text for the
/// code. A timeout or transport error also names the last client-wide error `state` saw within
/// `recent`.
Error make_error(int rd_err, std::string_view context, std::string_view detail = {},
                 const HandleState* state = nullptr,
                 std::chrono::milliseconds recent = std::chrono::seconds(60));

/// "<context>: timed out after N ms[; last broker error: ...]", naming the last client-wide
/// error seen during (about) the last `timeout`.
Error timeout_error(std::string_view context, std::chrono::milliseconds timeout,
                    const HandleState& state);

/// The error a consumed message carries, naming its partition when it has one.
Error message_error(const rd_kafka_message_s* m, const HandleState* state);

/// A message's timestamp, or nullopt when it has none.
std::optional<Timestamp> timestamp_of(const rd_kafka_message_s* message);

/// A duration as librdkafka's int milliseconds, clamped to [0, INT32_MAX].
int to_ms(std::chrono::milliseconds d);

struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_s* list) const;
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_s, PartitionListDeleter>;

PartitionListPtr to_partition_list(const std::vector<model::TopicPartition>& partitions);
/// With each partition's offset set.
PartitionListPtr to_partition_list(const std::vector<TopicPartitionOffset>& offsets);
std::vector<model::TopicPartition> partitions_of(const rd_kafka_topic_partition_list_s* list);
/// The first partition of `list` that carries an error, as "<context> <topic-partition>: ...".
std::optional<Error> first_partition_error(const rd_kafka_topic_partition_list_s* list,
                                           std::string_view context);

/// Fills a MessageBatch, whose members stay private so that consumer.h needs no librdkafka
/// type. Both consumers build their batches through it; defined in consumer.cc.
struct MessageBatchAccess {
    static void reserve(MessageBatch& batch, size_t n);
    /// The batch owns `m` (destroys it with the batch) without handing it out.
    static void adopt(MessageBatch& batch, rd_kafka_message_s* m);
    /// The batch owns `m` and hands it out as a view; `m` must carry no error.
    static void append(MessageBatch& batch, rd_kafka_message_s* m);
};

/// Topic handles of one client by name, made on first use. Using a handle spares librdkafka
/// a lookup by name (a lock, a compare, a reference count) per call; the last one is kept at
/// hand, as a client usually works on one topic. clear() (or the destructor) must run before
/// the client handle is destroyed.
class TopicHandles {
  public:
    TopicHandles() = default;
    ~TopicHandles() { clear(); }
    TopicHandles(const TopicHandles&) = delete;
    TopicHandles& operator=(const TopicHandles&) = delete;

    /// The handle of `topic` (nullptr when librdkafka refuses to make it).
    rd_kafka_topic_s* get(rd_kafka_s* rk, std::string_view topic);
    /// The handle of a topic get() made before, else nullptr.
    rd_kafka_topic_s* find(std::string_view topic) const;
    void clear();

  private:
    std::map<std::string, rd_kafka_topic_s*, std::less<>> by_name_;
    const std::string* last_name_ = nullptr;  // a key of by_name_ (map keys do not move)
    rd_kafka_topic_s* last_ = nullptr;
};

/// The consumer handle behind a GroupConsumer, for the producer's
/// send_offsets_to_transaction(); defined in group_consumer.cc.
struct GroupConsumerAccess {
    static rd_kafka_s* handle(const GroupConsumer& consumer);
};

}  // namespace es::client::detail
