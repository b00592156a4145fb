#include "kafka/protocol/errc.h"

#include <string>

namespace es::kafka::protocol {
namespace {

class ProtocolCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "kafka-protocol"; }
    std::string message(int code) const override {
        switch (static_cast<Errc>(code)) {
            case Errc::malformed:
                return "malformed request";
            case Errc::unsupported_version:
                return "unsupported API version";
            case Errc::unknown_api:
                return "unknown API key";
        }
        return "unknown protocol error " + std::to_string(code);
    }
};

}  // namespace

const std::error_category& protocol_category() {
    static const ProtocolCategory category;
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), protocol_category()}; }

}  // namespace es::kafka::protocol
