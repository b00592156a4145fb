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

struct rd_kafka_s;          // rd_kafka_t
struct rd_kafka_conf_s;     // rd_kafka_conf_t
struct rd_kafka_message_s;  // rd_kafka_message_t

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

/// The Errc for a librdkafka error code (rd_kafka_resp_err_t).
Errc errc_for(int rd_err);

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

/// A message's timestamp, or nullopt when it has none.
std::optional<Timestamp> timestamp_of(const rd_kafka_message_s* message);

/// A duration as librdkafka's int milliseconds, clamped to [0, INT32_MAX].
int to_ms(std::chrono::milliseconds d);

}  // namespace es::client::detail
