#pragma once

#include "base/error.h"

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace es {

/// A value or an Error. g++ 12 has no std::expected in C++20 mode, so this is the small subset
/// we need: construct from either side, test, take. [[nodiscard]] so that a dropped error is a
/// compile warning (an error under -Werror); deliberate drops go through ignore_error(), which is
/// easy to search for.
template <class T>
class [[nodiscard]] Result {
  public:
    using value_type = T;

    Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
    Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
    template <class E>
    requires std::is_error_code_enum_v<E> Result(E code)
        : data_(std::in_place_index<1>, Error(code)) {}  // NOLINT

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return *std::get_if<0>(&data_);
    }
    const T& value() const& {
        assert(ok());
        return *std::get_if<0>(&data_);
    }
    T&& value() && {
        assert(ok());
        return std::move(*std::get_if<0>(&data_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& {
        assert(!ok());
        return *std::get_if<1>(&data_);
    }
    Error&& error() && {
        assert(!ok());
        return std::move(*std::get_if<1>(&data_));
    }

    T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

    void ignore_error() const {}

  private:
    std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    using value_type = void;

    Result() = default;
    Result(Error error) : error_(std::move(error)) {}  // NOLINT
    template <class E>
    requires std::is_error_code_enum_v<E> Result(E code) : error_(Error(code)) {}  // NOLINT

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }

    const Error& error() const& {
        assert(!ok());
        return *error_;
    }
    Error&& error() && {
        assert(!ok());
        return std::move(*error_);
    }

    void ignore_error() const {}

  private:
    std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace es

#define ES_CONCAT_IMPL(a, b) a##b
#define ES_CONCAT(a, b) ES_CONCAT_IMPL(a, b)

/// ES_TRY(auto x, expr): evaluates expr (a Result), returns its error from the enclosing
/// function, or binds its value to the declaration on the left.
#define ES_TRY(lhs, expr) ES_TRY_IMPL(ES_CONCAT(es_try_result_, __LINE__), lhs, expr)
#define ES_TRY_IMPL(tmp, lhs, expr)               \
    auto tmp = (expr);                            \
    if (!tmp.ok()) return std::move(tmp).error(); \
    lhs = std::move(tmp).value()

/// ES_CHECK(expr): evaluates expr (a Result), returns its error from the enclosing function.
#define ES_CHECK(expr) ES_CHECK_IMPL(ES_CONCAT(es_check_result_, __LINE__), expr)
#define ES_CHECK_IMPL(tmp, expr)                      \
    do {                                              \
        auto tmp = (expr);                            \
        if (!tmp.ok()) return std::move(tmp).error(); \
    } while (false)
