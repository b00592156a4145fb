#include "registry/service/registry_http.h"

#include "http/server.h"
#include "registry/service/memory_log.h"
#include "registry/service/registry.h"
#include "registry/service/tests/test_schemas.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace es::registry::service {
namespace {

using namespace testing;
using Json = nlohmann::json;

constexpr const char* kType = "application/vnd.schemaregistry.v1+json";

std::string body_of(const std::string& schema, Json extra = Json::object()) {
    extra["schema"] = schema;
    return extra.dump();
}

class RegistryHttpTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(registry_.start().ok());
        http_.add_routes(server_);
        auto port = server_.listen("127.0.0.1", 0);
        ASSERT_TRUE(port.ok());
        server_.start();
        client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
    }
    void TearDown() override { server_.stop(); }

    struct Reply {
        int status = 0;
        std::string content_type;
        std::string body;
        Json json() const { return Json::parse(body, nullptr, false); }
        int error_code() const {
            auto j = json();
            return j.is_object() && j.contains("error_code") ? j["error_code"].get<int>() : 0;
        }
    };

    Reply call(const std::string& method, const std::string& path, const std::string& body = "",
               const std::string& content_type = kType) {
        httplib::Result res = method == "GET"    ? client_->Get(path)
                              : method == "POST" ? client_->Post(path, body, content_type)
                              : method == "PUT"  ? client_->Put(path, body, content_type)
                                                 : client_->Delete(path);
        if (!res) return {};
        return {res->status, res->get_header_value("Content-Type"), res->body};
    }

    Reply post_schema(const std::string& subject, const std::string& schema,
                      Json extra = Json::object()) {
        return call("POST", "/subjects/" + subject + "/versions", body_of(schema, extra));
    }

    MemoryLog log_;
    Registry registry_{log_};
    RegistryHttp http_{registry_};
    http::HttpServer server_;
    std::unique_ptr<httplib::Client> client_;
};

TEST_F(RegistryHttpTest, RegisterGetAndLookUp) {
    auto reg = post_schema("user-value", kUserV1);
    EXPECT_EQ(reg.status, 200);
    EXPECT_EQ(reg.content_type, kType);
    EXPECT_EQ(reg.json(), Json::parse(R"({"id":1})"));
    // Unknown fields are ignored; application/json and octet-stream bodies are accepted.
    auto again = call("POST", "/subjects/other/versions",
                      body_of(kUserV1, {{"metadata", {{"x", 1}}}, {"ruleSet", nullptr}}),
                      "application/json");
    EXPECT_EQ(again.json()["id"], 1);
    auto octet =
        call("POST", "/subjects/user-value/versions", body_of(kUserV2), "application/octet-stream");
    EXPECT_EQ(octet.json()["id"], 2);

    auto got = call("GET", "/subjects/user-value/versions/latest");
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.json()["version"], 2);
    EXPECT_EQ(got.json()["schema"], kUserV2);
    EXPECT_FALSE(got.json().contains("schemaType"));  // AVRO is implied
    EXPECT_EQ(call("GET", "/subjects/user-value/versions/-1").json()["version"], 2);
    EXPECT_EQ(call("GET", "/subjects/user-value/versions/1/schema").body, kUserV1);
    EXPECT_EQ(call("GET", "/subjects/user-value/versions").json(), Json::parse("[1,2]"));
    EXPECT_EQ(call("GET", "/subjects").json(), Json::parse(R"(["other","user-value"])"));
    EXPECT_EQ(call("GET", "/subjects?subjectPrefix=us").json(), Json::parse(R"(["user-value"])"));

    auto lookup = call("POST", "/subjects/user-value", body_of(kUserV1Spaced));
    EXPECT_EQ(lookup.status, 200);
    EXPECT_EQ(lookup.json()["id"], 1);
    EXPECT_EQ(lookup.json()["version"], 1);
    EXPECT_EQ(call("POST", "/subjects/user-value", body_of(kUserBad)).error_code(), 40403);
    EXPECT_EQ(call("POST", "/subjects/nobody", body_of(kUserV1)).error_code(), 40401);

    EXPECT_EQ(call("GET", "/schemas/ids/1").json(), Json({{"schema", kUserV1}}));
    EXPECT_EQ(call("GET", "/schemas/ids/1/schema").body, kUserV1);
    EXPECT_EQ(call("GET", "/schemas/ids/1/subjects").json(),
              Json::parse(R"(["other","user-value"])"));
    EXPECT_EQ(call("GET", "/schemas/ids/1/versions").json(),
              Json::parse(R"([{"subject":"other","version":1},)"
                          R"({"subject":"user-value","version":1}])"));
    EXPECT_EQ(call("GET", "/schemas/ids/2?subject=other").error_code(), 40403);
    EXPECT_EQ(call("GET", "/schemas/ids/2?subject=user-value").status, 200);
    EXPECT_EQ(call("GET", "/schemas/types").json(), Json::parse(R"(["JSON","PROTOBUF","AVRO"])"));
    EXPECT_EQ(call("GET", "/").json(), Json::object());
    std::printf("checked: register, get, lookup, schemas by id, types, content type\n");
}

TEST_F(RegistryHttpTest, ErrorCodesAndStatuses) {
    post_schema("s", kUserV1);
    struct Case {
        const char* method;
        std::string path;
        std::string body;
        int status;
        int code;
    };
    const Case cases[] = {
        {"GET", "/subjects/none/versions", "", 404, 40401},
        {"GET", "/subjects/s/versions/9", "", 404, 40402},
        {"GET", "/subjects/s/versions/abc", "", 422, 42202},
        {"GET", "/subjects/s/versions/0", "", 422, 42202},
        {"GET", "/schemas/ids/77", "", 404, 40403},
        {"GET", "/schemas/ids/x", "", 404, 40403},
        {"POST", "/subjects/s/versions", body_of(kUserBad), 409, 409},
        {"POST", "/subjects/s/versions", body_of("{\"type\":\"nothing\"}"), 422, 42201},
        {"POST", "/subjects/s/versions", body_of(kUserV1, {{"schemaType", "XML"}}), 422, 42201},
        {"GET", "/config/s", "", 404, 40408},
        {"PUT", "/config", R"({"compatibility":"SOMETIMES"})", 422, 42203},
        {"PUT", "/mode", R"({"mode":"SLEEPY"})", 422, 42204},
        {"GET", "/mode/s", "", 404, 40409},
        {"DELETE", "/subjects/s/versions/1?permanent=true", "", 404, 40407},
        {"DELETE", "/subjects/s?permanent=true", "", 404, 40405},
        {"DELETE", "/subjects/none", "", 404, 40401},
        {"POST", "/compatibility/subjects/s/versions/5", body_of(kUserV1), 404, 40402},
    };
    for (const auto& c : cases) {
        auto r = call(c.method, c.path, c.body);
        EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << ": " << r.body;
        EXPECT_EQ(r.error_code(), c.code) << c.method << " " << c.path << ": " << r.body;
        EXPECT_EQ(r.content_type, kType) << c.path;
        EXPECT_TRUE(r.json()["message"].is_string()) << c.path;
    }
    auto incompatible = post_schema("s", kUserBad);
    EXPECT_NE(incompatible.json()["message"].get<std::string>().find("TYPE_MISMATCH"),
              std::string::npos);
    EXPECT_EQ(call("GET", "/subjects/s/versions").json(), Json::parse("[1]"));
    std::printf("checked: %zu error cases with Confluent's HTTP status and error_code\n",
                std::size(cases));
}

TEST_F(RegistryHttpTest, DeletesWithCaseInsensitiveBooleans) {
    post_schema("s", kUserV1);
    post_schema("s", kUserV2);
    EXPECT_EQ(call("DELETE", "/subjects/s/versions/1").json(), Json(1));
    EXPECT_EQ(call("DELETE", "/subjects/s/versions/1").error_code(), 40406);
    EXPECT_EQ(call("GET", "/subjects/s/versions/1").error_code(), 40402);
    EXPECT_EQ(call("GET", "/subjects/s/versions/1?deleted=TRUE").status, 200);
    EXPECT_EQ(call("GET", "/subjects/s/versions?deleted=True").json(), Json::parse("[1,2]"));
    EXPECT_EQ(call("DELETE", "/subjects/s/versions/1?permanent=TRUE").json(), Json(1));
    EXPECT_EQ(call("DELETE", "/subjects/s").json(), Json::parse("[2]"));
    EXPECT_EQ(call("DELETE", "/subjects/s").error_code(), 40404);
    EXPECT_EQ(call("GET", "/subjects?deleted=tRuE").json(), Json::parse(R"(["s"])"));
    EXPECT_EQ(call("DELETE", "/subjects/s?permanent=True").json(), Json::parse("[2]"));
    EXPECT_EQ(call("GET", "/subjects?deleted=true").json(), Json::array());
    std::printf("checked: soft/permanent deletes over REST, booleans case-insensitive\n");
}

TEST_F(RegistryHttpTest, ConfigModeAndCompatibilityEndpoints) {
    EXPECT_EQ(call("GET", "/config").json(), Json({{"compatibilityLevel", "BACKWARD"}}));
    EXPECT_EQ(call("GET", "/config/s?defaultToGlobal=TRUE").json()["compatibilityLevel"],
              "BACKWARD");
    EXPECT_EQ(call("PUT", "/config/s", R"({"compatibility":"backward_transitive","x":1})").json(),
              Json({{"compatibility", "BACKWARD_TRANSITIVE"}}));
    EXPECT_EQ(call("GET", "/config/s").json()["compatibilityLevel"], "BACKWARD_TRANSITIVE");
    post_schema("s", kUserV1);
    post_schema("s", kUserV2);
    auto verbose =
        call("POST", "/compatibility/subjects/s/versions?verbose=TRUE", body_of(kUserV3));
    EXPECT_EQ(verbose.status, 200);
    EXPECT_EQ(verbose.json()["is_compatible"], false);
    EXPECT_FALSE(verbose.json()["messages"].empty());
    auto latest = call("POST", "/compatibility/subjects/s/versions/latest", body_of(kUserV3));
    EXPECT_EQ(latest.json(), Json({{"is_compatible", true}}));
    EXPECT_EQ(post_schema("s", kUserV3).status, 409);
    EXPECT_EQ(call("DELETE", "/config/s").json()["compatibilityLevel"], "BACKWARD_TRANSITIVE");
    EXPECT_EQ(post_schema("s", kUserV3).json()["id"], 3);

    EXPECT_EQ(call("GET", "/mode").json(), Json({{"mode", "READWRITE"}}));
    EXPECT_EQ(call("PUT", "/mode/s", R"({"mode":"READONLY"})").json()["mode"], "READONLY");
    auto readonly = post_schema("s", kUserV1);
    EXPECT_EQ(readonly.status, 422);
    EXPECT_EQ(readonly.error_code(), 42205);
    EXPECT_EQ(call("PUT", "/mode", R"({"mode":"IMPORT"})").error_code(), 42205);
    EXPECT_EQ(call("PUT", "/mode?force=TRUE", R"({"mode":"IMPORT"})").status, 200);
    EXPECT_EQ(call("GET", "/mode/s").json()["mode"], "READONLY");
    EXPECT_EQ(call("DELETE", "/mode/s").json()["mode"], "READONLY");
    auto imported = post_schema("imp", kUserBad, {{"id", 50}, {"version", 3}});
    EXPECT_EQ(imported.json(), Json({{"id", 50}}));
    EXPECT_EQ(call("GET", "/subjects/imp/versions").json(), Json::parse("[3]"));
    std::printf("checked: config, mode (READONLY, IMPORT with ids), compatibility verbose\n");
}

TEST_F(RegistryHttpTest, ReferencesOverRest) {
    post_schema("address", kAddress);
    Json refs = Json::parse(R"([{"name":"com.example.Address","subject":"address","version":1}])");
    auto customer = post_schema("customer", kCustomer, {{"references", refs}});
    ASSERT_EQ(customer.status, 200) << customer.body;
    EXPECT_EQ(call("GET", "/subjects/customer/versions/1").json()["references"], refs);
    EXPECT_EQ(call("GET", "/schemas/ids/2").json()["references"], refs);
    EXPECT_EQ(call("GET", "/subjects/address/versions/1/referencedby").json(), Json::parse("[2]"));
    auto blocked = call("DELETE", "/subjects/address/versions/1");
    EXPECT_EQ(blocked.status, 422);
    EXPECT_EQ(blocked.error_code(), 42206);
    std::printf("checked: references stored and returned, referencedby, 42206\n");
}

TEST_F(RegistryHttpTest, HostileBodiesGetClearErrorsAndChangeNothing) {
    struct Case {
        std::string body;
        int status;
        int code;
    };
    std::string deep(10000, '[');
    std::string deep_object = "{\"schema\":" + std::string(5000, '{');
    const Case cases[] = {
        {"", 400, 400},
        {"not json", 400, 400},
        {"{\"schema\": \"unterminated", 400, 400},
        {deep, 400, 400},
        {deep_object, 400, 400},
        {"[1,2,3]", 422, 422},
        {"\"just a string\"", 422, 422},
        {R"({"schema": 42})", 422, 422},
        {R"({"schema": {"type":"string"}})", 422, 422},
        {R"({"schema": "\"string\"", "schemaType": 3})", 422, 422},
        {R"({"schema": "\"string\"", "references": "nope"})", 422, 422},
        {R"({"schema": "\"string\"", "references": [{"name": 1}]})", 422, 422},
        {R"({"schema": "\"string\"", "id": "7"})", 422, 422},
        {R"({"schema": "\"string\"", "version": 1e300})", 422, 422},
        {R"({"schema": ""})", 422, 42201},
        {R"({"schemaType": "AVRO"})", 422, 42201},
        {R"({"schema": "{\"type\":\"record\",\"name\":\"R\",\"fields\":)" + std::string(3000, '[') +
             "\"}",
         422, 42201},
    };
    for (const auto& c : cases) {
        auto r = call("POST", "/subjects/h/versions", c.body);
        EXPECT_EQ(r.status, c.status) << c.body.substr(0, 60) << ": " << r.body;
        EXPECT_EQ(r.error_code(), c.code) << c.body.substr(0, 60) << ": " << r.body;
    }
    auto huge = call("POST", "/subjects/h/versions",
                     body_of(std::string(RegistryHttp::kMaxBodyBytes + 10, 'x')));
    EXPECT_EQ(huge.status, 413);
    auto bad_config = call("PUT", "/config", "{{{");
    EXPECT_EQ(bad_config.status, 400);
    EXPECT_EQ(call("GET", "/subjects").json(), Json::array());
    EXPECT_TRUE(log_.records().empty());
    EXPECT_EQ(post_schema("h", R"("string")").json()["id"], 1);  // still serving
    std::printf("checked: %zu hostile bodies + an oversized one: clear errors, nothing stored\n",
                std::size(cases));
}

TEST_F(RegistryHttpTest, NormalizeStoresTheNormalizedForm) {
    auto r = post_schema("n", kUserV1Spaced, Json::object());
    ASSERT_EQ(r.status, 200);
    auto n = call("POST", "/subjects/m/versions?normalize=TRUE", body_of(kUserV1Spaced));
    EXPECT_EQ(n.json()["id"], 1);
    auto stored = call("GET", "/subjects/m/versions/1/schema").body;
    EXPECT_EQ(stored.find('\n'), std::string::npos);
    EXPECT_EQ(stored.find("the id"), std::string::npos);  // docs are not part of the identity
    EXPECT_EQ(call("GET", "/subjects/n/versions/1/schema").body, kUserV1Spaced);
    std::printf("checked: normalize=true stores the normalized form, same id\n");
}

}  // namespace
}  // namespace es::registry::service
