#include "registry/service/errc.h"

#include "base/error_category.h"

namespace es::registry::service {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::bad_request:
            return "bad request";
        case Errc::incompatible:
            return "incompatible schema";
        case Errc::unprocessable:
            return "unprocessable entity";
        case Errc::subject_not_found:
            return "subject not found";
        case Errc::version_not_found:
            return "version not found";
        case Errc::schema_not_found:
            return "schema not found";
        case Errc::subject_soft_deleted:
            return "subject soft-deleted";
        case Errc::subject_not_soft_deleted:
            return "subject not soft-deleted";
        case Errc::version_soft_deleted:
            return "version soft-deleted";
        case Errc::version_not_soft_deleted:
            return "version not soft-deleted";
        case Errc::subject_level_not_configured:
            return "subject compatibility level not configured";
        case Errc::subject_mode_not_configured:
            return "subject mode not configured";
        case Errc::invalid_schema:
            return "invalid schema";
        case Errc::invalid_version:
            return "invalid version";
        case Errc::invalid_level:
            return "invalid compatibility level";
        case Errc::invalid_mode:
            return "invalid mode";
        case Errc::operation_not_permitted:
            return "operation not permitted";
        case Errc::reference_exists:
            return "reference exists";
        case Errc::store_error:
            return "store error";
        case Errc::timeout:
            return "timeout";
        case Errc::forward_error:
            return "forward error";
        case Errc::not_leader:
            return "not the leader";
    }
    return nullptr;
}

}  // namespace

const std::error_category& service_category() {
    static const EnumErrorCategory<Errc> category("registry/service", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), service_category()}; }

int http_status(Errc e) {
    int code = static_cast<int>(e);
    return code >= 10000 ? code / 100 : code;
}

}  // namespace es::registry::service
