#pragma once

#include <system_error>

namespace es::client {

/// Errors of client/: what went wrong talking to a Kafka-compatible cluster through librdkafka.
/// The message always says which operation failed and, for errors that came from librdkafka or
/// the broker, carries librdkafka's name and number for the code (`TOPIC_ALREADY_EXISTS (36)`).
enum class Errc {
    config = 1,        // a librdkafka property was unknown or invalid, or the handle was refused
    transport,         // no broker could be reached: resolve, connect, TLS, SASL, disconnects
    timeout,           // the operation did not finish in time; the message names the last
                       // broker error the client saw, if any
    kafka,             // the broker answered with an error code not mapped to a code below
    unknown_topic,     // the topic or partition does not exist
    topic_exists,      // creating a topic that already exists
    unsupported,       // the broker does not support the request or the version needed
    invalid_argument,  // the caller passed a value the operation cannot use
    local,             // librdkafka failed locally for another reason (message too large, ...)
    invalid_state,     // the call is not valid now: begin_transaction() before
                       // init_transactions(), send() outside a transaction of a transactional
                       // producer, a group consumer used after close()
    fenced,            // another producer with the same transactional.id took over (or the
                       // broker bumped the epoch); fatal: destroy the producer
    fatal,             // any other fatal producer or consumer error: destroy the client
    abortable,         // the transaction cannot commit: abort it, then redo its work
};

const std::error_category& client_category();
std::error_code make_error_code(Errc e);

}  // namespace es::client

template <>
struct std::is_error_code_enum<es::client::Errc> : std::true_type {};
