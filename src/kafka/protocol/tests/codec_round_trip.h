#pragma once

// Round-trip checks shared by the codec tests: a message decodes to itself, re-encodes byte for
// byte, no strict prefix decodes, and a request also passes the generic decoder by API key.

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "kafka/protocol/generated/any_request.h"
#include "kafka/protocol/tests/codec_test_util.h"

#include <gtest/gtest.h>

#include <variant>

namespace es::kafka::protocol::testing {

/// decode(encode(m)) == m in `version`, the re-encoding is byte for byte, and no strict prefix
/// of the encoding decodes (each one runs out of bytes and says so).
template <class Message>
void expect_round_trip(const Message& m, int16_t version) {
    SCOPED_TRACE(::testing::Message() << "version " << version);
    const Bytes bytes = encode(m, version);
    Message back;
    auto decoded = decode_whole(back, bytes, version);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_TRUE(back == m) << "decode(encode(x)) differs from x";
    EXPECT_EQ(encode(back, version), bytes);
    for (size_t n = 0; n < bytes.size(); ++n) {
        Message partial;
        ByteReader r(BytesView(bytes).first(n));
        EXPECT_FALSE(partial.decode(r, version).ok())
            << "a prefix of " << n << " of " << bytes.size() << " bytes decoded";
    }
}

/// A request also goes through the generic decoder, which refuses bytes after the body.
template <class Request>
void expect_request_round_trip(const Request& request, int16_t version) {
    expect_round_trip(request, version);
    Bytes bytes = encode(request, version);
    auto whole = decode_request(Request::api_key, version, bytes);
    ASSERT_TRUE(whole.ok()) << whole.error().to_string();
    ASSERT_TRUE(std::holds_alternative<Request>(whole.value()));
    EXPECT_TRUE(std::get<Request>(whole.value()) == request);
    bytes.push_back(0);
    EXPECT_FALSE(decode_request(Request::api_key, version, bytes).ok())
        << "a byte after the body was accepted, version " << version;
}

template <class Request, class Response, class MakeRequest, class MakeResponse>
void round_trip_every_version(MakeRequest make_request, MakeResponse make_response) {
    static_assert(Request::min_version == Response::min_version);
    static_assert(Request::max_version == Response::max_version);
    for (int16_t v = Request::min_version; v <= Request::max_version; ++v) {
        expect_request_round_trip(make_request(v), v);
        expect_round_trip(make_response(v), v);
    }
}

/// A whole request frame (header + body) round-trips through the generic frame decoder, and
/// no strict prefix of it decodes.
template <class Request>
void expect_frame_round_trip(const Request& request, int16_t version) {
    RequestFrame frame{RequestHeader{}, request_header_version(Request::api_key, version),
                       AnyRequest(request)};
    frame.header.request_api_key = Request::api_key;
    frame.header.request_api_version = version;
    frame.header.correlation_id = 42;
    frame.header.client_id = "test";
    const Bytes bytes = encode_request_frame(frame);
    auto whole = decode_request_frame(bytes);
    ASSERT_TRUE(whole.ok()) << Request::api_key << " v" << version << ": "
                            << whole.error().to_string();
    EXPECT_TRUE(std::get<Request>(whole.value().body) == request);
    for (size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(decode_request_frame(BytesView(bytes).first(n)).ok())
            << "api " << Request::api_key << " v" << version << ": " << n << " of " << bytes.size()
            << " bytes decoded";
    }
}

}  // namespace es::kafka::protocol::testing
