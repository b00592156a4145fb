#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace es {

/// An error at a module boundary: a typed code (each module has its own `enum class Errc`
/// registered as a std::error_code enum) and a message that says what failed and where.
/// Kafka error codes are derived from the typed code in one place (kafka/server), never from
/// the message.
class Error {
  public:
    template <class E>
    requires std::is_error_code_enum_v<E> Error(
        E code, std::string message = {})  // NOLINT(google-explicit-constructor)
        : code_(make_error_code(code)), message_(std::move(message)) {}

    Error(std::error_code code, std::string message) : code_(code), message_(std::move(message)) {}

    const std::error_code& code() const { return code_; }
    const std::string& message() const { return message_; }

    /// True when the error carries exactly this typed code.
    template <class E>
    requires std::is_error_code_enum_v<E>
    bool is(E code) const { return code_ == make_error_code(code); }

    /// The typed code if the error belongs to E's module; `fallback` otherwise.
    template <class E>
    requires std::is_error_code_enum_v<E> E code_as(E fallback)
    const {
        return code_.category() == make_error_code(fallback).category()
                   ? static_cast<E>(code_.value())
                   : fallback;
    }

    /// "<module>: <code text>: <message>".
    std::string to_string() const;

    /// Returns the same error with more context in front: "opening segment: <message>".
    Error with_context(std::string_view context) &&;

  private:
    std::error_code code_;
    std::string message_;
};

}  // namespace es
