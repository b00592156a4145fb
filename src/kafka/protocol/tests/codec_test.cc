#include "kafka/protocol/errc.h"
#include "kafka/protocol/generated/api_table.h"
#include "kafka/protocol/generated/api_versions.h"
#include "kafka/protocol/generated/request_header.h"

#include <gtest/gtest.h>

#include <random>

namespace es::kafka::protocol {
namespace {

template <class Message>
Bytes encode(const Message& m, int16_t version) {
    Bytes out;
    ByteWriter w(out);
    m.encode(w, version);
    return out;
}

template <class Message>
Message decode_all(BytesView bytes, int16_t version) {
    Message m;
    ByteReader r(bytes);
    auto decoded = m.decode(r, version);
    EXPECT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_TRUE(r.empty()) << r.remaining() << " bytes left";
    return m;
}

TEST(Codec, ApiVersionsResponseRoundTripsInEveryVersion) {
    ApiVersionsResponse resp;
    resp.error_code = 0;
    resp.api_keys = {{0, 3, 9, {}}, {18, 0, 3, {}}};
    resp.throttle_time_ms = 7;
    resp.finalized_features_epoch = 5;  // a tagged field, v3 only
    for (int16_t v = ApiVersionsResponse::min_version; v <= ApiVersionsResponse::max_version; ++v) {
        Bytes bytes = encode(resp, v);
        auto back = decode_all<ApiVersionsResponse>(bytes, v);
        ASSERT_EQ(back.api_keys.size(), 2u);
        EXPECT_EQ(back.api_keys[1].max_version, 3);
        EXPECT_EQ(back.throttle_time_ms, v >= 1 ? 7 : 0) << "v" << v;
        EXPECT_EQ(back.finalized_features_epoch, v >= 3 ? 5 : -1) << "v" << v;
        EXPECT_EQ(encode(back, v), bytes) << "re-encoding v" << v << " is byte for byte";
    }
}

TEST(Codec, V0AndV3EncodingsDifferAsTheProtocolSays) {
    ApiVersionsResponse resp;
    resp.api_keys = {{18, 0, 3, {}}};
    // v0: error_code(2) + array length int32(4) + 3 x int16 = 12 bytes.
    EXPECT_EQ(encode(resp, 0).size(), 12u);
    // v3: error_code(2) + compact length(1) + 6 + element tags(1) + throttle(4) + tags(1) = 15.
    EXPECT_EQ(encode(resp, 3).size(), 15u);
}

TEST(Codec, UnknownTaggedFieldsSurviveARoundTrip) {
    ApiVersionsRequest req;
    req.client_software_name = "librdkafka";
    req.client_software_version = "2.0.2";
    req.unknown_tags.push_back({7, {1, 2, 3}});
    Bytes bytes = encode(req, 3);
    auto back = decode_all<ApiVersionsRequest>(bytes, 3);
    ASSERT_EQ(back.unknown_tags.size(), 1u);
    EXPECT_EQ(back.unknown_tags[0].tag, 7u);
    EXPECT_EQ(encode(back, 3), bytes);
}

TEST(Codec, RequestHeaderKeepsClientIdNonCompactInV2) {
    RequestHeader h;
    h.request_api_key = 18;
    h.request_api_version = 3;
    h.correlation_id = 42;
    h.client_id = "rdkafka";
    Bytes v2 = encode(h, 2);
    // 2 + 2 + 4 + int16 length 2 + 7 + empty tag section 1.
    ASSERT_EQ(v2.size(), 18u);
    EXPECT_EQ(v2[8], 0);
    EXPECT_EQ(v2[9], 7);
    auto back = decode_all<RequestHeader>(v2, 2);
    EXPECT_EQ(back.client_id, "rdkafka");
    h.client_id.reset();
    EXPECT_FALSE(decode_all<RequestHeader>(encode(h, 1), 1).client_id.has_value());
}

TEST(Codec, UnsupportedVersionsAreRefused) {
    ApiVersionsRequest req;
    ByteReader r(BytesView{});
    auto decoded = req.decode(r, 4);
    ASSERT_FALSE(decoded.ok());
    EXPECT_TRUE(decoded.error().is(Errc::unsupported_version));
}

TEST(Codec, HostileArrayLengthsAndTruncationsAreErrorsNotAllocations) {
    // v0 response claiming 2^31-1 api keys with 4 bytes behind the count.
    const uint8_t hostile[] = {0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 1, 0, 2};
    ApiVersionsResponse resp;
    ByteReader r(hostile);
    EXPECT_FALSE(resp.decode(r, 0).ok());

    ApiVersionsResponse full;
    full.api_keys = {{0, 3, 9, {}}, {1, 4, 13, {}}, {18, 0, 3, {}}};
    for (int16_t v = 0; v <= 3; ++v) {
        Bytes bytes = encode(full, v);
        for (size_t n = 0; n < bytes.size(); ++n) {
            ApiVersionsResponse partial;
            ByteReader pr(BytesView(bytes).first(n));
            auto decoded = partial.decode(pr, v);
            // A prefix may decode when the cut falls after the last field; never a crash.
            if (decoded.ok()) {
                EXPECT_LT(pr.position(), bytes.size());
            }
        }
    }
}

TEST(Codec, RandomBytesNeverCrashTheDecoders) {
    std::mt19937 rng(17);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        Bytes data(rng() % 40);
        for (auto& b : data) b = static_cast<uint8_t>(rng());
        int16_t v = static_cast<int16_t>(rng() % 4);
        ApiVersionsResponse resp;
        ByteReader r(data);
        if (resp.decode(r, v).ok()) ++accepted;
        RequestHeader h;
        ByteReader hr(data);
        h.decode(hr, static_cast<int16_t>(v % 3)).ignore_error();
    }
    std::printf("random ApiVersions responses that happened to decode: %d of 20000\n", accepted);
}

TEST(Codec, ApiTableListsWhatIsImplemented) {
    const ApiInfo* api = find_api(18);
    ASSERT_NE(api, nullptr);
    EXPECT_STREQ(api->name, "ApiVersions");
    EXPECT_EQ(api->max_version, 3);
    EXPECT_EQ(api->first_flexible_version, 3);
    EXPECT_EQ(find_api(9999), nullptr);
}

}  // namespace
}  // namespace es::kafka::protocol
