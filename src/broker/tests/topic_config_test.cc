#include "broker/topic_config.h"

#include "broker/catalog.h"
#include "broker/errc.h"

#include <gtest/gtest.h>

namespace es::broker {
namespace {

TEST(TopicConfig, DefaultsFollowTheBrokerThenTheBuiltIns) {
    BrokerDefaults defaults{{"log.retention.ms", "1000"}, {"log.segment.bytes", "2048"}};
    auto c = TopicConfig::make(defaults, {{"retention.bytes", "5000"}});
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    auto lc = c->log_config();
    EXPECT_EQ(lc.retention_ms, 1000);
    EXPECT_EQ(lc.segment_bytes, 2048u);
    EXPECT_EQ(lc.retention_bytes, 5000);
    EXPECT_EQ(lc.flush_policy, storage::FlushPolicy::every_append);
    EXPECT_TRUE(lc.cleanup_delete);
    EXPECT_FALSE(lc.cleanup_compact);
    for (const auto& e : c->describe()) {
        ConfigSource want = e.name == "retention.bytes" ? ConfigSource::dynamic_topic
                            : e.name == "retention.ms"  ? ConfigSource::static_broker
                                                        : ConfigSource::default_config;
        if (e.name == "retention.bytes" || e.name == "retention.ms" || e.name == "segment.ms") {
            EXPECT_EQ(e.source, want) << e.name;
        }
    }
}

TEST(TopicConfig, FlushAndCleanupPoliciesMapToStorage) {
    auto compact = TopicConfig::make(
        {}, {{"cleanup.policy", "compact,delete"}, {"flush.messages", "1000"}, {"flush.ms", "50"}});
    ASSERT_TRUE(compact.ok());
    auto lc = compact->log_config();
    EXPECT_TRUE(lc.cleanup_compact);
    EXPECT_TRUE(lc.cleanup_delete);
    EXPECT_EQ(lc.flush_policy, storage::FlushPolicy::interval);
    EXPECT_EQ(lc.flush_interval_ms, 50);
    auto lat = TopicConfig::make({}, {{"message.timestamp.type", "LogAppendTime"}});
    EXPECT_TRUE(lat->log_append_time());
}

TEST(TopicConfig, BadNamesAndValuesGetClearErrors) {
    const std::pair<const char*, const char*> bad[] = {
        {"no.such.config", "1"},      {"retention.ms", "abc"},
        {"retention.ms", "-5"},       {"segment.bytes", "1"},
        {"cleanup.policy", "shred"},  {"message.timestamp.type", "Now"},
        {"preallocate", "yes"},       {"max.message.bytes", "99999999999"},
        {"compression.type", "gzip"}, {"min.cleanable.dirty.ratio", "2"},
        {"cleanup.policy", ""},       {"retention.ms", "12x"},
    };
    for (const auto& [name, value] : bad) {
        auto c = TopicConfig::make({}, {{name, value}});
        ASSERT_FALSE(c.ok()) << name << "=" << value;
        EXPECT_TRUE(c.error().is(Errc::invalid_config));
        EXPECT_NE(c.error().message().find(name), std::string::npos) << c.error().message();
    }
}

TEST(TopicName, FollowsKafkasRules) {
    EXPECT_TRUE(validate_topic_name("orders.v1_eu-west").ok());
    EXPECT_TRUE(validate_topic_name(std::string(249, 'a')).ok());
    const std::vector<std::string> names = {"",           ".",       "..",   "has space",
                                            "slash/name", "ünïcode", "a\nb", std::string(250, 'a')};
    for (const std::string& bad : names) {
        auto r = validate_topic_name(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_TRUE(r.error().is(Errc::invalid_topic));
    }
}

}  // namespace
}  // namespace es::broker
