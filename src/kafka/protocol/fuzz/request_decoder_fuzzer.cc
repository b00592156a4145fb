// Fuzz target for the request decoder: the input is one request frame without its size prefix
// (header, then body), as the broker's framing hands it over. Anything may fail to decode;
// nothing may crash, and what decodes must survive encode -> decode -> encode unchanged.
//
// Built as a libFuzzer binary with clang and -DES_FUZZ=ON (see ../README.md); under g++ the
// replay runner (replay_main.cc) feeds it the seed corpora in ctest.

#include "kafka/protocol/generated/any_request.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

using es::Bytes;
using es::BytesView;
using namespace es::kafka::protocol;

[[noreturn]] void fail(const char* what, const Bytes& first, const Bytes& second) {
    std::fprintf(stderr, "request_decoder_fuzzer: %s (first encoding %zu bytes, second %zu)\n",
                 what, first.size(), second.size());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto decoded = decode_request_frame(BytesView(data, size));
    if (!decoded.ok()) return 0;

    // The first encoding may differ from the input (a bool byte of 2 comes back as 1, a
    // non-minimal varint as a minimal one); from then on the codec must be a fixed point.
    const Bytes first = encode_request_frame(decoded.value());
    auto again = decode_request_frame(first);
    if (!again.ok()) {
        std::fprintf(stderr, "request_decoder_fuzzer: %s\n", again.error().to_string().c_str());
        fail("an encoded request does not decode", first, {});
    }
    if (again.value().header.request_api_key != decoded.value().header.request_api_key ||
        again.value().header.request_api_version != decoded.value().header.request_api_version ||
        again.value().body.index() != decoded.value().body.index()) {
        fail("the re-decoded request is of another API or version", first, {});
    }
    const Bytes second = encode_request_frame(again.value());
    if (second != first) fail("encode(decode(encode(x))) differs from encode(x)", first, second);
    return 0;
}
