#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "broker/broker.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace es::broker {

/// A key and a value (nullopt: a tombstone) as a coordinator stores them.
struct KeyValue {
    Bytes key;
    std::optional<Bytes> value;

    std::optional<BytesView> value_view() const {
        return value ? std::optional<BytesView>(*value) : std::nullopt;
    }
};

/// A coordinator's state in an internal topic of the broker (__consumer_offsets,
/// __transaction_state): compacted, one partition (a single node has no load to spread), each
/// write a batch appended with acks=all, so that an answer that depends on it is sent only once
/// it is on disk.
///
/// Runs on: `home` for open(); write() may be called anywhere. Answers on `home`.
class InternalTopic {
  public:
    InternalTopic(Broker& broker, Executor& home, std::string name)
        : broker_(broker), home_(home), name_(std::move(name)) {}

    const std::string& name() const { return name_; }

    /// Creates the topic when it is missing, then reads every record in it, oldest first.
    void open(std::function<void(Result<std::vector<KeyValue>>)> done);
    /// Appends the records as one batch (all or none) and answers once they are durable.
    void write(const std::vector<KeyValue>& records, std::function<void(Status)> done);

  private:
    void read_from(model::Offset offset, std::shared_ptr<std::vector<KeyValue>> into,
                   std::function<void(Result<std::vector<KeyValue>>)> done);

    Broker& broker_;
    Executor& home_;
    std::string name_;
};

}  // namespace es::broker
