#pragma once

// The validated libprotobuf descriptors of a Protobuf schema, for code that reads and writes
// Protobuf data (registry/serdes): the same parse and validation as parse_protobuf, so a
// schema the registry accepts is the schema the codec uses. Only forward declarations of
// libprotobuf here; callers that use the pool include <google/protobuf/descriptor.h>.

#include "base/result.h"
#include "registry/compat/protobuf.h"

#include <memory>
#include <string_view>

namespace google::protobuf {
class DescriptorPool;
class FileDescriptor;
}  // namespace google::protobuf

namespace es::registry::compat {

/// A pool holding the schema and every file it imports (references and well-known types
/// copied in, so the pool stands alone). Move-only; `file` points into `pool`.
struct ProtobufDescriptors {
    std::unique_ptr<google::protobuf::DescriptorPool> pool;
    const google::protobuf::FileDescriptor* file = nullptr;  // the schema itself

    ProtobufDescriptors();
    ~ProtobufDescriptors();
    ProtobufDescriptors(ProtobufDescriptors&&) noexcept;
    ProtobufDescriptors& operator=(ProtobufDescriptors&&) noexcept;
};

/// Errc::invalid_schema exactly as parse_protobuf reports it.
Result<ProtobufDescriptors> build_protobuf_descriptors(std::string_view text,
                                                       const ProtobufReferences& refs = {});

}  // namespace es::registry::compat
