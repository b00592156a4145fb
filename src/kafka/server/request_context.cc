#include "kafka/server/request_context.h"

namespace es::kafka::server {

size_t ResponseBody::size() const {
    size_t n = bytes.size();
    for (const Splice& s : splices) n += s.bytes.size();
    return n;
}

Bytes ResponseBody::flatten() const {
    Bytes out;
    out.reserve(size());
    for_each_piece([&](BytesView piece) { out.insert(out.end(), piece.begin(), piece.end()); });
    return out;
}

}  // namespace es::kafka::server
