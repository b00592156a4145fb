#pragma once

#include <cstdint>
#include <string_view>

namespace es::stream {

/// Kafka's default partitioner for keyed records (the Java client's murmur2, made positive, modulo
/// the partition count): repartition topics route with it, and runtime producers are set to the
/// same function, so a key lands where a Java producer or Kafka Streams would put it.
int32_t partition_for_key(std::string_view key, int32_t partitions);

/// Kafka's murmur2 hash of `data`.
uint32_t murmur2(std::string_view data);

}  // namespace es::stream
