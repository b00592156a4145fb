#pragma once

// Encoding helpers shared by the codec tests.

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/result.h"
#include "kafka/protocol/wire.h"

namespace es::kafka::protocol::testing {

template <class Message>
Bytes encode(const Message& m, int16_t version) {
    Bytes out;
    ByteWriter w(out);
    m.encode(w, version);
    return out;
}

template <class Message>
Status decode_whole(Message& m, BytesView bytes, int16_t version) {
    ByteReader r(bytes);
    ES_CHECK(m.decode(r, version));
    return wire::check_consumed(r, "the message");
}

}  // namespace es::kafka::protocol::testing
