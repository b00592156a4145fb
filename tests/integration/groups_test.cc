// Consumer groups and the idempotent producer with librdkafka against `edgestream serve`:
// members share a topic, leave, are killed and expire, and the rest take over without losing
// a message; an idempotent producer keeps exactly-once appends across a broker restart.

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_util.h"
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace es::integration {
namespace {

/// Small group timeouts so that expiry and rebalances take seconds, not minutes.
constexpr const char* kGroupConfig = R"(broker:
  group.min.session.timeout.ms: 500
  group.initial.rebalance.delay.ms: 100
)";

/// A high-level (group) consumer on its own thread, committing each record after it is
/// processed; records what it saw.
class GroupMember {
  public:
    GroupMember(const std::string& brokers, const std::string& group, const std::string& topic,
                std::map<std::string, std::string> extra = {}) {
        std::map<std::string, std::string> props = {
            {"bootstrap.servers", brokers},    {"group.id", group},
            {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"},
            {"session.timeout.ms", "2000"},    {"heartbeat.interval.ms", "200"}};
        for (auto& [k, v] : extra) props[k] = v;
        char err[512];
        rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, make_conf(props), err, sizeof err);
        if (!rk_) throw std::runtime_error(err);
        rd_kafka_poll_set_consumer(rk_);
        rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(rk_, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        thread_ = std::thread([this] { run(); });
    }
    ~GroupMember() { stop(/*leave=*/true); }

    /// leave=false: vanish without LeaveGroup, as a killed process would.
    void stop(bool leave) {
        if (!rk_) return;
        stopping_ = true;
        thread_.join();
        if (leave) rd_kafka_consumer_close(rk_);
        rd_kafka_destroy_flags(rk_, leave ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        rk_ = nullptr;
    }

    std::vector<std::string> seen() {
        std::lock_guard lock(mu_);
        return seen_;
    }
    size_t assigned() {
        std::lock_guard lock(mu_);
        return assigned_;
    }
    /// How often the assignment changed: a rebalance shows as at least one change.
    size_t assignment_changes() {
        std::lock_guard lock(mu_);
        return changes_;
    }

  private:
    void run() {
        while (!stopping_) {
            rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
            update_assignment();
            if (!m) continue;
            if (!m->err) {
                std::lock_guard lock(mu_);
                seen_.emplace_back(static_cast<const char*>(m->payload), m->len);
            }
            if (!m->err) rd_kafka_commit_message(rk_, m, /*async=*/0);
            rd_kafka_message_destroy(m);
        }
    }
    void update_assignment() {
        rd_kafka_topic_partition_list_t* parts = nullptr;
        if (rd_kafka_assignment(rk_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
        std::lock_guard lock(mu_);
        if (static_cast<size_t>(parts->cnt) != assigned_) ++changes_;
        assigned_ = static_cast<size_t>(parts->cnt);
        rd_kafka_topic_partition_list_destroy(parts);
    }

    rd_kafka_t* rk_ = nullptr;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex mu_;
    std::vector<std::string> seen_;
    size_t assigned_ = 0;
    size_t changes_ = 0;
};

template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
}

void produce_numbered(const std::string& brokers, const std::string& topic, int from, int count) {
    Producer producer(brokers, {{"acks", "all"}, {"linger.ms", "2"}});
    for (int i = from; i < from + count; ++i) {
        ASSERT_EQ(producer.send(topic, RD_KAFKA_PARTITION_UA, "m-" + std::to_string(i),
                                "k-" + std::to_string(i)),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
}

class GroupsTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(broker_.start()) << broker_.log(); }
    void TearDown() override {
        if (HasFailure()) std::printf("--- serve.log ---\n%s\n", broker_.log().c_str());
    }
    BrokerProcess broker_{kGroupConfig};
};

TEST_F(GroupsTest, ThreeMembersShareSixPartitionsAndTakeOverWhenOneLeavesAndOneDies) {
    const std::string topic = "shared";
    {
        // Six partitions, created through auto-creation with num.partitions unset: use admin.
        Producer admin(broker_.brokers());
        char err[512];
        rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(topic.c_str(), 6, 1, err, sizeof err);
        rd_kafka_queue_t* q = rd_kafka_queue_new(admin.handle());
        rd_kafka_CreateTopics(admin.handle(), &t, 1, nullptr, q);
        rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 10000);
        ASSERT_TRUE(ev);
        rd_kafka_event_destroy(ev);
        rd_kafka_NewTopic_destroy(t);
        rd_kafka_queue_destroy(q);
    }
    auto a = std::make_unique<GroupMember>(broker_.brokers(), "g1", topic);
    auto b = std::make_unique<GroupMember>(broker_.brokers(), "g1", topic);
    auto c = std::make_unique<GroupMember>(broker_.brokers(), "g1", topic);
    ASSERT_TRUE(eventually([&] {
        return a->assigned() + b->assigned() + c->assigned() == 6 && a->assigned() > 0 &&
               b->assigned() > 0 && c->assigned() > 0;
    })) << "the six partitions were not shared by three members";
    produce_numbered(broker_.brokers(), topic, 0, 3000);
    auto total = [&] {
        std::multiset<std::string> all;
        for (auto* m : {a.get(), b.get(), c.get()}) {
            if (!m) continue;
            for (auto& v : m->seen()) all.insert(v);
        }
        return all;
    };
    ASSERT_TRUE(eventually([&] { return total().size() >= 3000; }));
    {
        auto all = total();
        EXPECT_EQ(all.size(), 3000u) << "every message consumed once in a stable group";
        EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 3000u);
    }
    std::printf("checked: 3 members consumed 3000 messages once each\n");

    // One member leaves cleanly, one dies without a word; the survivor gets every partition.
    b->stop(/*leave=*/true);
    c->stop(/*leave=*/false);
    produce_numbered(broker_.brokers(), topic, 3000, 3000);
    ASSERT_TRUE(eventually([&] { return a->assigned() == 6; }))
        << "the survivor did not take over all six partitions";
    std::set<std::string> consumed;
    ASSERT_TRUE(eventually([&] {
        consumed.clear();
        for (auto* m : {a.get(), b.get(), c.get()}) {
            for (auto& v : m->seen()) consumed.insert(v);
        }
        return consumed.size() == 6000;
    })) << "messages lost after the leave and the expiry: "
        << consumed.size() << " of 6000";
    // Each member commits a record right after processing it, so a member that dies can have
    // processed at most one uncommitted record per partition it owned: the only repeats allowed.
    size_t processed = 0;
    for (auto* m : {a.get(), b.get(), c.get()}) processed += m->seen().size();
    EXPECT_LE(processed - 6000, 6u) << "records processed twice beyond the in-flight window";
    std::printf("checked: after a leave and a session expiry, all 6000 consumed, %zu repeats\n",
                processed - 6000);
}

TEST_F(GroupsTest, AStaticMemberRestartsWithoutDisturbingTheOthers) {
    const std::string topic = "static";
    produce_numbered(broker_.brokers(), topic, 0, 1);  // auto-created, one partition per member
    Producer admin(broker_.brokers());
    {
        char err[512];
        rd_kafka_NewPartitions_t* grow =
            rd_kafka_NewPartitions_new(topic.c_str(), 4, err, sizeof err);
        rd_kafka_queue_t* q = rd_kafka_queue_new(admin.handle());
        rd_kafka_CreatePartitions(admin.handle(), &grow, 1, nullptr, q);
        rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 10000);
        ASSERT_TRUE(ev);
        rd_kafka_event_destroy(ev);
        rd_kafka_NewPartitions_destroy(grow);
        rd_kafka_queue_destroy(q);
    }
    auto a = std::make_unique<GroupMember>(
        broker_.brokers(), "static-g", topic,
        std::map<std::string, std::string>{{"group.instance.id", "host-a"},
                                           {"session.timeout.ms", "6000"}});
    auto b = std::make_unique<GroupMember>(
        broker_.brokers(), "static-g", topic,
        std::map<std::string, std::string>{{"group.instance.id", "host-b"},
                                           {"session.timeout.ms", "6000"}});
    ASSERT_TRUE(eventually([&] {
        return a->assigned() + b->assigned() == 4 && a->assigned() > 0 && b->assigned() > 0;
    }));
    size_t a_had = a->assigned();
    // Let the group settle, then restart a: same group.instance.id, new process.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    size_t b_changes = b->assignment_changes();
    a->stop(/*leave=*/false);
    a = std::make_unique<GroupMember>(
        broker_.brokers(), "static-g", topic,
        std::map<std::string, std::string>{{"group.instance.id", "host-a"},
                                           {"session.timeout.ms", "6000"}});
    ASSERT_TRUE(eventually([&] { return a->assigned() == a_had; }))
        << "the restarted static member gets its partitions back";
    produce_numbered(broker_.brokers(), topic, 1, 400);
    ASSERT_TRUE(eventually([&] {
        std::set<std::string> all;
        for (auto* m : {a.get(), b.get()}) {
            for (auto& v : m->seen()) all.insert(v);
        }
        return all.count("m-400") && all.size() >= 400;
    }));
    EXPECT_EQ(b->assignment_changes(), b_changes)
        << "the other member saw no rebalance while a restarted";
    std::printf("checked: a static member restarted, got %zu partitions back, no rebalance\n",
                a_had);
}

TEST_F(GroupsTest, CommittedOffsetsSurviveABrokerRestart) {
    const std::string topic = "resume";
    produce_numbered(broker_.brokers(), topic, 0, 500);
    {
        GroupMember first(broker_.brokers(), "resume-g", topic);
        ASSERT_TRUE(eventually([&] { return first.seen().size() >= 500; }));
    }  // leaves the group with every record committed
    EXPECT_EQ(broker_.stop(), 0);
    ASSERT_TRUE(broker_.start()) << broker_.log();
    produce_numbered(broker_.brokers(), topic, 500, 100);
    GroupMember second(broker_.brokers(), "resume-g", topic);
    ASSERT_TRUE(eventually([&] { return second.seen().size() >= 100; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto seen = second.seen();
    EXPECT_EQ(seen.size(), 100u) << "the group resumes at its committed offsets, not the start";
    EXPECT_EQ(seen.front(), "m-500");
    std::printf("checked: after a broker restart the group resumed at offset 500 (%zu read)\n",
                seen.size());
}

TEST_F(GroupsTest, AnIdempotentProducerWritesEachMessageOnceAcrossAKillNineAndRestart) {
    constexpr int kCount = 4000;
    Producer producer(
        broker_.brokers(),
        {{"enable.idempotence", "true"}, {"linger.ms", "5"}, {"message.timeout.ms", "60000"}});
    for (int i = 0; i < kCount / 2; ++i) {
        ASSERT_EQ(producer.send("idem", 0, "v-" + std::to_string(i)), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    // kill -9 with batches in flight: some are on disk but unanswered, and the producer retries
    // them after the restart; the broker must recognise them from its recovered producer state.
    producer.poll(5);
    broker_.kill9();
    ASSERT_TRUE(broker_.start()) << broker_.log();
    for (int i = kCount / 2; i < kCount; ++i) {
        ASSERT_EQ(producer.send("idem", 0, "v-" + std::to_string(i)), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(producer.flush(60000), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(producer.deliveries.failed, 0u);
    auto got = consume(broker_.brokers(), "idem", 0, RD_KAFKA_OFFSET_BEGINNING, kCount + 100, 3000);
    std::map<std::string, int> times;
    for (const auto& m : got) times[*m.value]++;
    EXPECT_EQ(times.size(), static_cast<size_t>(kCount)) << "every message is there";
    for (const auto& [v, n] : times) EXPECT_EQ(n, 1) << v << " appended " << n << " times";
    for (size_t i = 0; i + 1 < got.size() && i < 10; ++i) EXPECT_EQ(got[i].offset, int64_t(i));
    std::printf("checked: %d idempotent messages across a restart, %zu in the log, no duplicate\n",
                kCount, got.size());
}

}  // namespace
}  // namespace es::integration
