#pragma once

// Forward declarations of client/'s public types, for headers that only pass them around.

namespace es::client {

struct ClientConfig;
struct DeliveryReport;
struct Message;
struct ProducerRecord;
struct StartPosition;
class Admin;
class Consumer;
class Producer;

}  // namespace es::client
