#include "base/error.h"

namespace es {

std::string Error::to_string() const {
    std::string out;
    out.reserve(64 + message_.size());
    out.append(code_.category().name()).append(": ").append(code_.message());
    if (!message_.empty()) out.append(": ").append(message_);
    return out;
}

Error Error::with_context(std::string_view context) && {
    std::string message(context);
    if (!message_.empty()) message.append(": ").append(message_);
    message_ = std::move(message);
    return std::move(*this);
}

}  // namespace es
