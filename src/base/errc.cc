#include "base/errc.h"

#include <string>

namespace es {
namespace {

class BaseCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "base"; }
    std::string message(int code) const override {
        switch (static_cast<Errc>(code)) {
            case Errc::truncated:
                return "input truncated";
            case Errc::length_too_large:
                return "length too large";
            case Errc::invalid_length:
                return "invalid length";
            case Errc::invalid_varint:
                return "invalid varint";
            case Errc::invalid_argument:
                return "invalid argument";
            case Errc::io_error:
                return "I/O error";
            case Errc::not_found:
                return "not found";
            case Errc::no_space:
                return "no space left on device";
        }
        return "unknown base error " + std::to_string(code);
    }
};

}  // namespace

const std::error_category& base_category() {
    static const BaseCategory category;
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), base_category()}; }

}  // namespace es
