#pragma once

#include <system_error>

namespace es::broker {

/// Errors of the transaction coordinator. Each maps to one Kafka error code in
/// kafka/server/error_mapping.cc; fencing uses broker::Errc::producer_fenced.
enum class TxnErrc {
    invalid_producer_id_mapping = 1,  // the transactional id has no such producer id
    invalid_txn_state,                // the request does not fit the transaction's state
    concurrent_transactions,          // a state change is in progress: retry
    invalid_transaction_timeout,      // outside (0, transaction.max.timeout.ms]
    transactional_id_not_found,       // DescribeTransactions of an unknown id
    operation_not_attempted,          // another partition of the request failed
    coordinator_load_in_progress,     // __transaction_state is still being read at start
};

const std::error_category& txn_category();
std::error_code make_error_code(TxnErrc e);

}  // namespace es::broker

template <>
struct std::is_error_code_enum<es::broker::TxnErrc> : std::true_type {};
