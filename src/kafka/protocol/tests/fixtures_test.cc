// Request frames captured from real clients (tests/fixtures/kafka-requests, see its README) are
// decoded with the generated codecs and re-encoded; the bytes must come back identical. One test
// per file, named after it, so a failure names the client, API and version.

#include "kafka/protocol/generated/any_request.h"
#include "kafka/protocol/generated/api_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace es::kafka::protocol {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = ES_FIXTURES_DIR;
/// The fixtures live in <repo>/tests/fixtures/kafka-requests; the served-API table is in
/// <repo>/docs/protocol.md.
const fs::path kProtocolDoc =
    kFixtures.parent_path().parent_path().parent_path() / "docs" / "protocol.md";

/// <client>-<ApiName>-v<version>-<n>.bin
const std::regex kFixtureName(R"(([A-Za-z0-9_.]+)-([A-Za-z0-9]+)-v(\d+)-(\d+)\.bin)");

std::vector<std::string> fixture_names() {
    std::vector<std::string> names;
    if (!fs::is_directory(kFixtures)) return names;
    for (const auto& entry : fs::directory_iterator(kFixtures)) {
        if (entry.path().extension() == ".bin") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

Bytes read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const char* api_name(int16_t key) {
    const ApiInfo* api = find_api(key);
    return api ? api->name : "?";
}

class RequestFixture : public testing::TestWithParam<std::string> {};

TEST_P(RequestFixture, DecodesAndReencodesByteForByte) {
    const std::string& name = GetParam();
    std::smatch m;
    ASSERT_TRUE(std::regex_match(name, m, kFixtureName))
        << name << ": not <client>-<ApiName>-v<version>-<n>.bin";
    const Bytes original = read_file(kFixtures / name);
    ASSERT_FALSE(original.empty()) << name;

    auto decoded = decode_request_frame(original);
    ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.error().to_string();
    const RequestFrame& frame = decoded.value();
    const RequestHeader& header = frame.header;

    // The file name was written from the header by tools/capture_frames.py; they must agree.
    EXPECT_EQ(m[2].str(), api_name(header.request_api_key)) << name;
    EXPECT_EQ(std::stoi(m[3].str()), header.request_api_version) << name;
    const int16_t body_key = std::visit(
        [](const auto& request) { return std::decay_t<decltype(request)>::api_key; }, frame.body);
    EXPECT_EQ(body_key, header.request_api_key) << name << ": decoded into the wrong request type";

    const Bytes reencoded = encode_request_frame(frame);
    ASSERT_EQ(reencoded.size(), original.size()) << name << ": re-encoded length differs";
    auto diff = std::mismatch(original.begin(), original.end(), reencoded.begin());
    EXPECT_TRUE(diff.first == original.end())
        << name << ": first difference at byte " << (diff.first - original.begin());

    std::cout << "checked: " << name << ": " << api_name(header.request_api_key) << " v"
              << header.request_api_version << ", header v" << frame.header_version
              << ", client_id '" << header.client_id.value_or("<null>") << "', " << original.size()
              << " bytes decode and re-encode byte for byte\n";
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
    std::string out = info.param.substr(0, info.param.size() - 4);  // drop ".bin"
    for (char& c : out) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Captured, RequestFixture, testing::ValuesIn(fixture_names()), test_name);

/// The APIs of docs/protocol.md's main table (the rows before its first "## " heading): what
/// the broker serves. APIs the codec decodes but no handler serves yet are in a later table of
/// that file; tools/check_protocol_doc.py keeps the main table equal to the APIs with a handler
/// (kafka/protocol cannot ask kafka/server).
std::set<std::string> served_apis() {
    std::set<std::string> out;
    std::ifstream in(kProtocolDoc);
    std::string line;
    const std::regex row(R"(\|\s*([A-Za-z0-9]+)\s*\|\s*\d+\s*\|.*)");
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) break;
        std::smatch m;
        if (std::regex_match(line, m, row)) out.insert(m[1].str());
    }
    return out;
}

/// Served APIs that no client available here sends, so no frame can be captured: WriteTxnMarkers
/// goes from a transaction coordinator to partition leaders, and among admin tools only Java's
/// (kafka-transactions.sh abort) sends it. Its handler is tested in kafka/server instead
/// (txn_handlers_test.cc).
const std::set<std::string> kNoClientSends = {"WriteTxnMarkers"};

TEST(RequestFixtures, EveryServedApiHasOne) {
    const std::set<std::string> served = served_apis();
    ASSERT_FALSE(served.empty()) << "no API rows in the main table of " << kProtocolDoc;
    std::set<std::string> covered;
    for (const auto& name : fixture_names()) {
        std::smatch m;
        if (std::regex_match(name, m, kFixtureName)) covered.insert(m[2].str());
    }
    std::set<std::string> known;
    for (const auto& api : kApis) {
        known.insert(api.name);
        if (kNoClientSends.count(api.name)) {
            EXPECT_FALSE(covered.count(api.name))
                << api.name << " has a captured frame now: remove it from kNoClientSends";
            std::cout << "no fixture for " << api.name << ": no client here sends it\n";
        } else if (served.count(api.name)) {
            EXPECT_TRUE(covered.count(api.name))
                << "no fixture in " << kFixtures << " for " << api.name << ", which "
                << kProtocolDoc.filename().string() << " lists as served";
        } else if (!covered.count(api.name)) {
            std::cout << "no fixture (yet) for " << api.name << ": decoded, not served\n";
        }
    }
    for (const auto& name : served) {
        EXPECT_TRUE(known.count(name))
            << kProtocolDoc << " serves " << name << ", which the codec does not implement";
    }
}

TEST(RequestFixtures, ATruncatedOrExtendedFrameIsRefused) {
    // The round trip above is only meaningful if the decoder checks where a frame ends.
    for (const auto& name : fixture_names()) {
        const Bytes original = read_file(kFixtures / name);
        Bytes longer = original;
        longer.push_back(0);
        EXPECT_FALSE(decode_request_frame(longer).ok()) << name << " with a byte appended";
        Bytes shorter(original.begin(), original.end() - 1);
        EXPECT_FALSE(decode_request_frame(shorter).ok()) << name << " without its last byte";
    }
}

}  // namespace
}  // namespace es::kafka::protocol
