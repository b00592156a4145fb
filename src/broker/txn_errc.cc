#include "broker/txn_errc.h"

#include "base/error_category.h"

namespace es::broker {
namespace {

const char* describe(TxnErrc e) {
    switch (e) {
        case TxnErrc::invalid_producer_id_mapping:
            return "invalid producer id mapping";
        case TxnErrc::invalid_txn_state:
            return "invalid transaction state";
        case TxnErrc::concurrent_transactions:
            return "concurrent transactions";
        case TxnErrc::invalid_transaction_timeout:
            return "invalid transaction timeout";
        case TxnErrc::transactional_id_not_found:
            return "transactional id not found";
        case TxnErrc::operation_not_attempted:
            return "operation not attempted";
        case TxnErrc::coordinator_load_in_progress:
            return "coordinator load in progress";
    }
    return nullptr;
}

}  // namespace

const std::error_category& txn_category() {
    static const EnumErrorCategory<TxnErrc> category("transaction", describe);
    return category;
}

std::error_code make_error_code(TxnErrc e) { return {static_cast<int>(e), txn_category()}; }

}  // namespace es::broker
