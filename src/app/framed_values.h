#pragma once

// Generated JSON values re-encoded in the Confluent wire format (`gen ads --value-format avro`,
// `gen nexmark --value-format avro`): each topic's Avro schema registered under
// "<topic>-value", as Confluent's serializers would, then every value framed with its id.

#include "base/result.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace es::app {

class FramedValueEncoder {
  public:
    struct Topic {
        std::string topic;
        std::string_view avro_schema;
    };

    /// Registers every topic's schema. Errors name the registry's answer.
    static Result<std::unique_ptr<FramedValueEncoder>> make(const std::string& registry_url,
                                                            const std::vector<Topic>& topics);
    ~FramedValueEncoder();
    /// The framed value of `json` for topics[topic] into `out` (replaced).
    Status encode(size_t topic, std::string_view json, std::string& out);

  private:
    struct Impl;
    explicit FramedValueEncoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::app
