#pragma once

// Forward declarations of client/'s public types, for headers that only pass them around.

namespace es::client {

struct ClientConfig;
struct DeliveryReport;
struct Message;
struct ProducerRecord;
struct StartPosition;
struct TopicPartitionOffset;
class Admin;
class Consumer;
class GroupConsumer;
class RebalanceListener;
class Producer;

}  // namespace es::client
