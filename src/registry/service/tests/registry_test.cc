#include "registry/service/registry.h"

#include "registry/service/errc.h"
#include "registry/service/memory_log.h"
#include "registry/service/records.h"
#include "registry/service/tests/test_schemas.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace es::registry::service {
namespace {

using namespace testing;
using compat::CompatibilityLevel;

SchemaRequest avro(const std::string& text) {
    SchemaRequest r;
    r.schema = text;
    return r;
}

template <class T>
Errc code_of(const Result<T>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? Errc::store_error : r.error().code_as(Errc::store_error);
}

class RegistryTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(registry_->start().ok()); }

    int32_t must_register(const std::string& subject, const std::string& text) {
        auto id = registry_->register_schema(subject, avro(text));
        EXPECT_TRUE(id.ok()) << id.error().to_string();
        return id.ok() ? *id : -1;
    }

    /// A new registry over a new log holding this one's records: a restart.
    std::unique_ptr<Registry> restarted(bool writable = true) {
        logs_.push_back(std::make_unique<MemoryLog>(log_.records(), writable));
        auto r = std::make_unique<Registry>(*logs_.back());
        EXPECT_TRUE(r->start().ok());
        return r;
    }

    MemoryLog log_;
    std::unique_ptr<Registry> registry_ = std::make_unique<Registry>(log_);
    std::vector<std::unique_ptr<MemoryLog>> logs_;
};

TEST_F(RegistryTest, IdsAreGlobalStableAndIdempotent) {
    EXPECT_EQ(must_register("a", kUserV1), 1);
    EXPECT_EQ(must_register("b", kUserV1), 1);
    EXPECT_EQ(must_register("a", kUserV2), 2);
    EXPECT_EQ(must_register("a", kUserV1), 1);
    EXPECT_EQ(must_register("a", kUserV1Spaced), 1);  // same schema to Avro: same id
    EXPECT_EQ(*registry_->versions("a", false), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(*registry_->versions("b", false), (std::vector<int32_t>{1}));
    EXPECT_EQ(*registry_->subjects_of_id(1, false), (std::vector<std::string>{"a", "b"}));
    auto pairs = *registry_->versions_of_id(1, false);
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_EQ(pairs[1], (std::pair<std::string, int32_t>{"b", 1}));
    EXPECT_EQ(registry_->get_version("a", kLatestVersion, false)->id, 2);
    EXPECT_EQ(registry_->schema_by_id(2)->schema, kUserV2);
    EXPECT_EQ(code_of(registry_->schema_by_id(3)), Errc::schema_not_found);
    EXPECT_EQ(log_.records().size(), 3u);  // a/1, b/1, a/2: re-registering wrote nothing
    auto found = registry_->lookup("a", avro(kUserV1Spaced), false);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->version, 1);
    EXPECT_EQ(code_of(registry_->lookup("a", avro(kUserBad), false)), Errc::schema_not_found);
    EXPECT_EQ(code_of(registry_->lookup("zz", avro(kUserV1), false)), Errc::subject_not_found);
    std::printf("checked: ids global across subjects, stable, re-register returns the id\n");
}

TEST_F(RegistryTest, CompatibilityPerLevelIncludingTransitive) {
    must_register("s", kUserV1);
    must_register("s", kUserV2);
    auto bad = registry_->register_schema("s", avro(kUserBad));
    EXPECT_EQ(code_of(bad), Errc::incompatible);
    EXPECT_NE(bad.error().message().find("TYPE_MISMATCH"), std::string::npos)
        << bad.error().message();
    EXPECT_NE(bad.error().message().find("incompatible with an earlier schema"), std::string::npos);

    // v3 reads v2's data (latest) but not v1's: BACKWARD yes, BACKWARD_TRANSITIVE no.
    ASSERT_TRUE(registry_->set_level("s", CompatibilityLevel::backward_transitive).ok());
    EXPECT_EQ(code_of(registry_->register_schema("s", avro(kUserV3))), Errc::incompatible);
    auto verdict = registry_->check("s", 0, avro(kUserV3));
    ASSERT_TRUE(verdict.ok());
    EXPECT_FALSE(verdict->compatible);
    EXPECT_FALSE(verdict->messages.empty());
    auto against_v2 = registry_->check("s", 2, avro(kUserV3));
    EXPECT_TRUE(against_v2->compatible);
    ASSERT_TRUE(registry_->set_level("s", CompatibilityLevel::backward).ok());
    EXPECT_EQ(must_register("s", kUserV3), 3);

    // FORWARD: v2 (latest v3 reads data written with new?) -- a type change fails both ways.
    ASSERT_TRUE(registry_->set_level("s", CompatibilityLevel::forward).ok());
    EXPECT_EQ(code_of(registry_->register_schema("s", avro(kUserBad))), Errc::incompatible);
    ASSERT_TRUE(registry_->set_level("s", CompatibilityLevel::none).ok());
    EXPECT_EQ(must_register("s", kUserBad), 4);
    EXPECT_EQ(*registry_->versions("s", false), (std::vector<int32_t>{1, 2, 3, 4}));
    EXPECT_EQ(code_of(registry_->check("s", 9, avro(kUserV1))), Errc::version_not_found);
    EXPECT_EQ(code_of(registry_->check("nope", 1, avro(kUserV1))), Errc::subject_not_found);
    EXPECT_TRUE(registry_->check("nope", 0, avro(kUserV1))->compatible);
    std::printf("checked: BACKWARD, BACKWARD_TRANSITIVE, FORWARD, NONE per subject\n");
}

TEST_F(RegistryTest, InvalidSchemasAreRefusedAndStoreNothing) {
    EXPECT_EQ(code_of(registry_->register_schema("s", avro(""))), Errc::invalid_schema);
    EXPECT_EQ(code_of(registry_->register_schema("s", avro("{not json"))), Errc::invalid_schema);
    EXPECT_EQ(code_of(registry_->register_schema("s", avro(R"({"type":"record"})"))),
              Errc::invalid_schema);
    SchemaRequest json;
    json.type = compat::SchemaType::json;
    json.schema = R"({"type":"object","properties":{"a":{"type":"string"}}})";
    EXPECT_EQ(registry_->register_schema("j", json).value_or(-1), 1);
    EXPECT_EQ(registry_->get_version("j", 1, false)->type, compat::SchemaType::json);
    EXPECT_EQ(log_.records().size(), 1u);
    std::printf("checked: invalid schemas get 42201 and store nothing; JSON type kept\n");
}

TEST_F(RegistryTest, SoftAndPermanentDeleteFollowConfluentsRules) {
    must_register("s", kUserV1);
    must_register("s", kUserV2);
    EXPECT_EQ(code_of(registry_->delete_version("s", 1, true)), Errc::version_not_soft_deleted);
    EXPECT_EQ(registry_->delete_version("s", 1, false).value_or(0), 1);
    EXPECT_EQ(code_of(registry_->delete_version("s", 1, false)), Errc::version_soft_deleted);
    EXPECT_EQ(code_of(registry_->get_version("s", 1, false)), Errc::version_not_found);
    EXPECT_TRUE(registry_->get_version("s", 1, true).ok());
    EXPECT_TRUE(registry_->schema_by_id(1).ok());  // soft-deleted schemas still resolve by id
    EXPECT_EQ(*registry_->versions("s", false), (std::vector<int32_t>{2}));
    EXPECT_EQ(*registry_->versions("s", true), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(registry_->delete_version("s", 1, true).value_or(0), 1);
    EXPECT_EQ(code_of(registry_->schema_by_id(1)), Errc::schema_not_found);

    EXPECT_EQ(code_of(registry_->delete_subject("s", true)), Errc::subject_not_soft_deleted);
    EXPECT_EQ(*registry_->delete_subject("s", false), (std::vector<int32_t>{2}));
    EXPECT_EQ(code_of(registry_->delete_subject("s", false)), Errc::subject_soft_deleted);
    EXPECT_TRUE(registry_->subjects(false).empty());
    EXPECT_EQ(registry_->subjects(true), (std::vector<std::string>{"s"}));
    EXPECT_EQ(code_of(registry_->versions("s", false)), Errc::subject_not_found);
    EXPECT_EQ(*registry_->delete_subject("s", true), (std::vector<int32_t>{2}));
    EXPECT_TRUE(registry_->subjects(true).empty());
    EXPECT_EQ(code_of(registry_->delete_subject("s", false)), Errc::subject_not_found);
    // After a permanent delete, versions start again at 1.
    must_register("s", kUserV2);
    EXPECT_EQ(*registry_->versions("s", false), (std::vector<int32_t>{1}));
    std::printf("checked: 40405/40407 before soft delete, 40404/40406 twice, 40401 after\n");
}

TEST_F(RegistryTest, ReRegisteringASoftDeletedSchemaAddsAVersionWithTheSameId) {
    must_register("s", kUserV1);
    ASSERT_TRUE(registry_->delete_version("s", 1, false).ok());
    EXPECT_EQ(must_register("s", kUserV1), 1);
    EXPECT_EQ(*registry_->versions("s", false), (std::vector<int32_t>{2}));
    std::printf("checked: a soft-deleted schema registered again is a new version, same id\n");
}

TEST_F(RegistryTest, ConfigDefaultsSubjectLevelsAndDefaultToGlobal) {
    EXPECT_EQ(*registry_->level(std::nullopt, false), CompatibilityLevel::backward);
    EXPECT_EQ(code_of(registry_->level("s", false)), Errc::subject_level_not_configured);
    EXPECT_EQ(*registry_->level("s", true), CompatibilityLevel::backward);
    ASSERT_TRUE(registry_->set_level(std::nullopt, CompatibilityLevel::full).ok());
    EXPECT_EQ(*registry_->level("s", true), CompatibilityLevel::full);
    ASSERT_TRUE(registry_->set_level("s", CompatibilityLevel::none).ok());
    EXPECT_EQ(*registry_->level("s", false), CompatibilityLevel::none);
    EXPECT_EQ(*registry_->delete_level("s"), CompatibilityLevel::none);
    EXPECT_EQ(code_of(registry_->level("s", false)), Errc::subject_level_not_configured);
    EXPECT_EQ(*registry_->delete_level(std::nullopt), CompatibilityLevel::full);
    EXPECT_EQ(*registry_->level(std::nullopt, false), CompatibilityLevel::backward);
    EXPECT_EQ(code_of(registry_->delete_level("never")), Errc::subject_not_found);
    std::printf("checked: BACKWARD default, 40408, defaultToGlobal, delete returns previous\n");
}

TEST_F(RegistryTest, ReadOnlyAndImportModes) {
    must_register("s", kUserV1);
    ASSERT_TRUE(registry_->set_mode("s", Mode::readonly, false).ok());
    auto refused = registry_->register_schema("s", avro(kUserV2));
    EXPECT_EQ(code_of(refused), Errc::operation_not_permitted);
    EXPECT_NE(refused.error().message().find("read-only mode"), std::string::npos);
    EXPECT_EQ(code_of(registry_->delete_version("s", 1, false)), Errc::operation_not_permitted);
    EXPECT_EQ(must_register("other", kUserV2), 2);  // only "s" is read-only
    EXPECT_EQ(*registry_->delete_mode("s"), Mode::readonly);

    SchemaRequest with_id = avro(kUserBad);
    with_id.id = 100;
    EXPECT_EQ(code_of(registry_->register_schema("t", with_id)), Errc::operation_not_permitted);
    EXPECT_EQ(code_of(registry_->set_mode(std::nullopt, Mode::import, false)),
              Errc::operation_not_permitted);                         // not empty
    ASSERT_TRUE(registry_->set_mode("t", Mode::import, false).ok());  // empty subject: fine
    with_id.version = 5;
    EXPECT_EQ(registry_->register_schema("t", with_id).value_or(-1), 100);
    EXPECT_EQ(registry_->get_version("t", 5, false)->id, 100);
    SchemaRequest clash = avro(kUserV3);
    clash.id = 100;
    EXPECT_EQ(code_of(registry_->register_schema("t", clash)), Errc::operation_not_permitted);
    EXPECT_EQ(*registry_->mode("t", false), Mode::import);
    EXPECT_EQ(code_of(registry_->mode("s", false)), Errc::subject_mode_not_configured);
    EXPECT_EQ(*registry_->mode("s", true), Mode::readwrite);
    ASSERT_TRUE(registry_->delete_mode("t").ok());
    EXPECT_EQ(must_register("u", kUserV3), 101);  // ids continue after the imported one
    std::printf("checked: READONLY 42205, IMPORT needs empty subject, explicit ids/versions\n");
}

TEST_F(RegistryTest, ReferencesResolveAndBlockDeletes) {
    must_register("address", kAddress);
    SchemaRequest customer = avro(kCustomer);
    EXPECT_EQ(code_of(registry_->register_schema("customer", customer)), Errc::invalid_schema);
    customer.references = {{"com.example.Address", "address", 1}};
    auto id = registry_->register_schema("customer", customer);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    EXPECT_EQ(*id, 2);
    EXPECT_EQ(registry_->get_version("customer", 1, false)->references, customer.references);
    EXPECT_EQ(*registry_->referenced_by("address", 1), (std::vector<int32_t>{2}));
    EXPECT_EQ(code_of(registry_->delete_version("address", 1, false)), Errc::reference_exists);
    EXPECT_EQ(code_of(registry_->delete_subject("address", false)), Errc::reference_exists);
    SchemaRequest dangling = avro(kCustomer);
    dangling.references = {{"com.example.Address", "address", 7}};
    EXPECT_EQ(code_of(registry_->register_schema("c2", dangling)), Errc::invalid_schema);
    auto found = registry_->lookup("customer", customer, false);
    ASSERT_TRUE(found.ok());
    // Once the referring subject is gone, the referenced one may go.
    ASSERT_TRUE(registry_->delete_subject("customer", false).ok());
    ASSERT_TRUE(registry_->delete_subject("customer", true).ok());
    EXPECT_TRUE(registry_->referenced_by("address", 1)->empty());
    EXPECT_TRUE(registry_->delete_version("address", 1, false).ok());
    std::printf("checked: references resolved for parsing, referencedby, 42206 on delete\n");
}

TEST_F(RegistryTest, RestartRebuildsTheSameStateFromTheLog) {
    must_register("a", kUserV1);
    must_register("a", kUserV2);
    must_register("b", kUserV1);
    ASSERT_TRUE(registry_->set_level("a", CompatibilityLevel::full).ok());
    ASSERT_TRUE(registry_->set_mode("b", Mode::readonly, false).ok());
    ASSERT_TRUE(registry_->delete_version("a", 1, false).ok());
    auto again = restarted();
    EXPECT_EQ(*again->versions("a", false), (std::vector<int32_t>{2}));
    EXPECT_EQ(*again->versions("a", true), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(*again->subjects_of_id(1, true), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(*again->level("a", false), CompatibilityLevel::full);
    EXPECT_EQ(*again->mode("b", false), Mode::readonly);
    std::printf("checked: a restart replays the log into the same state\n");
}

TEST_F(RegistryTest, StoreFailuresAndFollowersChangeNothing) {
    must_register("a", kUserV1);
    log_.fail_next_append();
    EXPECT_EQ(code_of(registry_->register_schema("a", avro(kUserV2))), Errc::store_error);
    EXPECT_EQ(*registry_->versions("a", false), (std::vector<int32_t>{1}));
    EXPECT_EQ(must_register("a", kUserV2), 2);  // the failed write consumed no id

    auto follower = restarted(false);
    EXPECT_EQ(code_of(follower->register_schema("c", avro(kUserV3))), Errc::not_leader);
    EXPECT_EQ(code_of(follower->set_level(std::nullopt, CompatibilityLevel::none)),
              Errc::not_leader);
    EXPECT_EQ(follower->get_version("a", 2, false)->id, 2);
    std::printf("checked: a failed append and a follower's write change nothing (50001/50004)\n");
}

TEST_F(RegistryTest, UnknownAndMalformedLogRecordsAreSkipped) {
    std::vector<LogRecord> seeded = {
        {"garbage", std::string("also garbage")},
        {R"({"keytype":"FUTURE","magic":9})", std::string("{}")},
        {R"({"keytype":"SCHEMA","subject":"x","version":1,"magic":1})", std::string("[1,2")},
        {R"({"keytype":"NOOP","magic":0})", std::nullopt},
        {R"({"keytype":"CONFIG","subject":null,"magic":0})",
         std::string(R"({"compatibilityLevel":"BOGUS"})")},
        {R"({"magic":1,"keytype":"SCHEMA","subject":"ok","version":1})",
         std::string(R"({"subject":"ok","version":1,"id":40,"schema":"\"string\"",)"
                     R"("deleted":false})")},
        {R"({"keytype":"SCHEMA","subject":"broken","version":1,"magic":1})",
         std::string(R"({"subject":"broken","version":1,"id":41,"schema":"{nope",)"
                     R"("deleted":false})")},
    };
    MemoryLog log(seeded);
    Registry registry(log);
    ASSERT_TRUE(registry.start().ok());
    EXPECT_EQ(registry.get_version("ok", 1, false)->id, 40);
    EXPECT_EQ(*registry.level(std::nullopt, false), CompatibilityLevel::backward);
    // A stored schema that does not parse is kept (readable by id), never fatal.
    EXPECT_EQ(registry.schema_by_id(41)->schema, "{nope");
    auto id = registry.register_schema("new", avro(kUserV1));
    EXPECT_EQ(id.value_or(-1), 42);
    std::printf("checked: unknown and malformed _schemas records are skipped\n");
}

TEST_F(RegistryTest, DeleteSubjectRecordsAreConfluents) {
    must_register("s", kUserV1);
    ASSERT_TRUE(registry_->set_level("s", CompatibilityLevel::none).ok());
    ASSERT_TRUE(registry_->delete_subject("s", false).ok());
    ASSERT_TRUE(registry_->delete_subject("s", true).ok());
    auto recs = log_.records();
    ASSERT_EQ(recs.size(), 6u);
    EXPECT_EQ(recs[2].key, records::delete_subject_key("s"));
    EXPECT_EQ(recs[2].value, records::delete_subject_value("s", 1));
    EXPECT_EQ(recs[3].key, records::config_key("s"));
    EXPECT_FALSE(recs[3].value.has_value());
    EXPECT_EQ(recs[4].key, records::schema_key("s", 1));
    EXPECT_FALSE(recs[4].value.has_value());
    EXPECT_EQ(recs[5].key, records::clear_subject_key("s"));
    EXPECT_EQ(code_of(registry_->level("s", false)), Errc::subject_level_not_configured);
    std::printf("checked: DELETE_SUBJECT, config tombstone, SCHEMA tombstones, CLEAR_SUBJECT\n");
}

}  // namespace
}  // namespace es::registry::service
