#pragma once

#include <string>
#include <system_error>

namespace es {

/// The std::error_category of a module's Errc enum: a name and a function that describes each
/// value (nullptr for a value it does not know). Each module keeps only its own descriptions.
template <class E>
class EnumErrorCategory final : public std::error_category {
  public:
    using Describe = const char* (*)(E);
    EnumErrorCategory(const char* name, Describe describe) : name_(name), describe_(describe) {}

    const char* name() const noexcept override { return name_; }
    std::string message(int code) const override {
        if (const char* text = describe_(static_cast<E>(code))) return text;
        return std::string("unknown ") + name_ + " error " + std::to_string(code);
    }

  private:
    const char* name_;
    Describe describe_;
};

}  // namespace es
