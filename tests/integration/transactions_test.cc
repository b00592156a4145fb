// Kafka transactions with librdkafka against `edgestream serve`: committed records are visible
// to read_committed consumers and aborted ones never are, a zombie producer is fenced, offsets
// sent to a transaction commit or vanish with it, a consume-transform-produce loop delivers
// exactly once (also while the broker is killed -9 and restarted), and an abandoned
// transaction times out instead of holding back the last stable offset forever.

#include "tests/integration/txn_util.h"
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace es::integration {
namespace {

using namespace std::chrono_literals;
using namespace txn_test;

class TransactionsTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(broker_.start()) << broker_.log(); }
    void TearDown() override {
        if (HasFailure()) std::printf("--- serve.log ---\n%s\n", broker_.log().c_str());
    }

    /// `count` records "id-<i>" over `partitions` partitions, by an idempotent producer.
    void produce_input(const std::string& topic, int partitions, int count) {
        ASSERT_EQ(create_topic(broker_.brokers(), topic, partitions), RD_KAFKA_RESP_ERR_NO_ERROR);
        Producer producer(broker_.brokers(), {{"enable.idempotence", "true"}, {"linger.ms", "5"}});
        for (int i = 0; i < count; ++i) {
            ASSERT_EQ(producer.send(topic, i % partitions, "id-" + std::to_string(i)),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        ASSERT_EQ(producer.flush(60000), RD_KAFKA_RESP_ERR_NO_ERROR);
        ASSERT_EQ(producer.deliveries.failed, 0u);
    }

    /// The output holds every input id exactly once for read_committed, and the group's
    /// committed offsets are the input's end offsets.
    void verify_exactly_once(const std::string& input, const std::string& output,
                             const std::string& group, int partitions, int count) {
        std::map<std::string, int> times;
        size_t raw = 0;
        for (int p = 0; p < partitions; ++p) {
            for (const auto& r : read_partition(broker_.brokers(), output, p, true)) {
                times[r.value]++;
            }
            raw += read_partition(broker_.brokers(), output, p, false).size();
        }
        int missing = 0, duplicated = 0, foreign = 0;
        for (int i = 0; i < count; ++i) {
            auto it = times.find("out-id-" + std::to_string(i));
            if (it == times.end()) {
                ++missing;
            } else if (it->second != 1) {
                ++duplicated;
            }
        }
        for (const auto& [v, n] : times) {
            if (v.rfind("out-id-", 0) != 0) ++foreign;
        }
        EXPECT_EQ(missing, 0) << "input ids missing from the committed output";
        EXPECT_EQ(duplicated, 0) << "input ids committed more than once";
        EXPECT_EQ(foreign, 0);
        EXPECT_EQ(times.size(), static_cast<size_t>(count));
        auto committed = committed_offsets(broker_.brokers(), group, input, partitions);
        auto ends = end_offsets(broker_.brokers(), input, partitions);
        ASSERT_TRUE(committed.has_value());
        EXPECT_EQ(*committed, ends) << "the group's committed offsets are the input's end";
        std::printf(
            "checked: %d input ids each exactly once in the read_committed output "
            "(%zu records in the log, aborted ones included); committed offsets = end\n",
            count, raw);
    }

    BrokerProcess broker_{kTxnConfig};
};

TEST_F(TransactionsTest, CommitVisibleAbortHidden) {
    const std::string topic = "txn-visibility";
    constexpr int kFirst = 50, kAborted = 30, kThird = 20;
    ASSERT_EQ(create_topic(broker_.brokers(), topic, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    auto producer = transactional_producer(broker_.brokers(), "visibility-tx");
    rd_kafka_t* rk = producer->handle();
    TxnError e = TxnError::from(rd_kafka_init_transactions(rk, 30000));
    ASSERT_TRUE(e.ok) << "init_transactions: " << describe(e);

    auto run_txn = [&](const std::string& prefix, int count, bool commit) {
        TxnError b = TxnError::from(rd_kafka_begin_transaction(rk));
        ASSERT_TRUE(b.ok) << "begin_transaction: " << describe(b);
        for (const auto& v : numbered(prefix, count)) {
            ASSERT_EQ(producer->send(topic, 0, v), RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        if (commit) {
            TxnError c = TxnError::from(rd_kafka_commit_transaction(rk, 30000));
            ASSERT_TRUE(c.ok) << "commit_transaction: " << describe(c);
        } else {
            // The records reach the log before the abort: read_uncommitted must see them.
            ASSERT_EQ(producer->flush(30000), RD_KAFKA_RESP_ERR_NO_ERROR);
            TxnError a = TxnError::from(rd_kafka_abort_transaction(rk, 30000));
            ASSERT_TRUE(a.ok) << "abort_transaction: " << describe(a);
        }
    };
    run_txn("first-", kFirst, true);
    run_txn("aborted-", kAborted, false);
    run_txn("third-", kThird, true);
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(producer->deliveries.failed, 0u);
    EXPECT_EQ(producer->deliveries.ok, static_cast<size_t>(kFirst + kAborted + kThird));

    std::vector<std::string> expected = numbered("first-", kFirst);
    for (const auto& v : numbered("third-", kThird)) expected.push_back(v);
    auto committed = read_partition(broker_.brokers(), topic, 0, true);
    EXPECT_EQ(values(committed), expected)
        << "read_committed sees the committed records in order and no aborted one";
    std::printf(
        "checked: read_committed sees the %d + %d committed records in order, none of "
        "the %d aborted\n",
        kFirst, kThird, kAborted);

    auto all = read_partition(broker_.brokers(), topic, 0, false);
    std::vector<std::string> everything = numbered("first-", kFirst);
    for (const auto& v : numbered("aborted-", kAborted)) everything.push_back(v);
    for (const auto& v : numbered("third-", kThird)) everything.push_back(v);
    ASSERT_EQ(values(all), everything) << "read_uncommitted sees every record of the three";
    // Each transaction ends with one control record (commit or abort marker) taking an offset.
    EXPECT_EQ(all[0].offset, 0);
    EXPECT_EQ(all[kFirst].offset, kFirst + 1) << "the commit marker sits between";
    EXPECT_EQ(all[kFirst + kAborted].offset, kFirst + kAborted + 2) << "the abort marker too";
    std::printf("checked: read_uncommitted sees all %zu records; markers take offsets %d and %d\n",
                all.size(), kFirst, kFirst + kAborted + 1);

    int64_t low = -1, high = -1;
    ASSERT_EQ(rd_kafka_query_watermark_offsets(rk, topic.c_str(), 0, &low, &high, 10000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(low, 0);
    EXPECT_EQ(high, kFirst + kAborted + kThird + 3) << "the high watermark counts three markers";
    // offsets_for_times: 0 is the first offset, the future is the end (-1), and the first
    // record of the third transaction is found at or before its own offset, after every
    // record with an earlier timestamp.
    const Record& third = all[kFirst + kAborted];
    int64_t before = -1;
    for (const auto& r : all) {
        if (r.timestamp < third.timestamp) before = std::max(before, r.offset);
    }
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (auto [ts, check] : std::vector<std::pair<int64_t, std::function<void(int64_t)>>>{
             {0, [](int64_t o) { EXPECT_EQ(o, 0) << "timestamp 0 finds the first offset"; }},
             {now_ms + 3600 * 1000,
              [](int64_t o) { EXPECT_EQ(o, -1) << "a future timestamp finds no offset"; }},
             {third.timestamp, [&](int64_t o) {
                  EXPECT_LE(o, third.offset);
                  EXPECT_GT(o, before);
              }}}) {
        rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = ts;
        ASSERT_EQ(rd_kafka_offsets_for_times(rk, parts, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
        EXPECT_EQ(parts->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
        check(parts->elems[0].offset);
        rd_kafka_topic_partition_list_destroy(parts);
    }
    std::printf(
        "checked: watermarks [%lld, %lld) include the three markers; offsets_for_times "
        "finds 0, the end and the third transaction\n",
        static_cast<long long>(low), static_cast<long long>(high));
}

bool is_fencing_error(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
           code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

TEST_F(TransactionsTest, ZombieIsFenced) {
    const std::string topic = "txn-zombie";
    ASSERT_EQ(create_topic(broker_.brokers(), topic, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    auto a = transactional_producer(broker_.brokers(), "zombie-tx");
    TxnError e = TxnError::from(rd_kafka_init_transactions(a->handle(), 30000));
    ASSERT_TRUE(e.ok) << "A init_transactions: " << describe(e);
    e = TxnError::from(rd_kafka_begin_transaction(a->handle()));
    ASSERT_TRUE(e.ok) << "A begin_transaction: " << describe(e);
    for (const auto& v : numbered("zombie-", 10)) {
        ASSERT_EQ(a->send(topic, 0, v), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(a->flush(30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(a->deliveries.ok, 10u) << "A's first records are in the log";

    // B takes over the transactional.id: A is fenced and its open transaction aborted.
    auto b = transactional_producer(broker_.brokers(), "zombie-tx");
    e = TxnError::from(rd_kafka_init_transactions(b->handle(), 30000));
    ASSERT_TRUE(e.ok) << "B init_transactions: " << describe(e);
    std::printf("checked: B's init_transactions with A's transactional.id succeeded\n");

    // A does not know yet: it produces more and tries to commit.
    for (const auto& v : numbered("zombie-late-", 5)) {
        rd_kafka_resp_err_t err = a->send(topic, 0, v);
        if (err) {
            EXPECT_TRUE(err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__STATE)
                << rd_kafka_err2name(err);
            break;
        }
    }
    e = TxnError::from(rd_kafka_commit_transaction(a->handle(), 30000));
    ASSERT_FALSE(e.ok) << "the zombie's commit must fail";
    EXPECT_TRUE(e.fatal) << describe(e);
    char reason[512] = "";
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(a->handle(), reason, sizeof reason);
    EXPECT_TRUE(is_fencing_error(e.code) || is_fencing_error(fatal))
        << "commit: " << describe(e) << "; fatal error: " << rd_kafka_err2name(fatal) << " "
        << reason;
    std::printf("checked: the zombie's commit failed fatally: %s (%s)\n", describe(e).c_str(),
                rd_kafka_err2name(fatal));

    e = TxnError::from(rd_kafka_begin_transaction(b->handle()));
    ASSERT_TRUE(e.ok) << "B begin_transaction: " << describe(e);
    for (const auto& v : numbered("b-", 5)) {
        ASSERT_EQ(b->send(topic, 0, v), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    e = TxnError::from(rd_kafka_commit_transaction(b->handle(), 30000));
    ASSERT_TRUE(e.ok) << "B commit_transaction: " << describe(e);

    EXPECT_EQ(values(read_partition(broker_.brokers(), topic, 0, true)), numbered("b-", 5))
        << "read_committed sees B's records only";
    std::set<std::string> raw;
    for (const auto& r : read_partition(broker_.brokers(), topic, 0, false)) raw.insert(r.value);
    for (const auto& v : numbered("zombie-", 10)) EXPECT_TRUE(raw.count(v)) << v;
    std::printf(
        "checked: read_committed sees only B's 5 records; A's 10 are in the log, "
        "aborted\n");
}

TEST_F(TransactionsTest, SendOffsetsCommitsGroupOffsets) {
    const std::string source = "txn-offsets-src";
    const std::string group = "txn-offsets-g";
    constexpr int kRecords = 100;
    ASSERT_EQ(create_topic(broker_.brokers(), source, 2), RD_KAFKA_RESP_ERR_NO_ERROR);
    {
        Producer producer(broker_.brokers(), {{"acks", "all"}});
        for (int i = 0; i < kRecords; ++i) {
            ASSERT_EQ(producer.send(source, i % 2, "src-" + std::to_string(i)),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
    }

    char err[512];
    RdHandle consumer(rd_kafka_new(RD_KAFKA_CONSUMER,
                                   make_conf({{"bootstrap.servers", broker_.brokers()},
                                              {"group.id", group},
                                              {"enable.auto.commit", "false"},
                                              {"auto.offset.reset", "earliest"},
                                              {"session.timeout.ms", "6000"}}),
                                   err, sizeof err));
    ASSERT_TRUE(consumer) << err;
    rd_kafka_poll_set_consumer(consumer.get());
    {
        rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, source.c_str(), RD_KAFKA_PARTITION_UA);
        ASSERT_EQ(rd_kafka_subscribe(consumer.get(), topics), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(topics);
    }
    // Consumes `count` records and returns the next offset of each partition consumed from.
    std::map<int32_t, int64_t> next;
    auto consume_some = [&](int count) {
        int got = 0;
        auto deadline = Clock::now() + 30s;
        while (got < count && Clock::now() < deadline) {
            rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200);
            if (!m) continue;
            if (!m->err) {
                next[m->partition] = m->offset + 1;
                ++got;
            }
            rd_kafka_message_destroy(m);
        }
        return got;
    };
    auto offsets_list = [&] {
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(2);
        for (auto [p, o] : next)
            rd_kafka_topic_partition_list_add(list, source.c_str(), p)->offset = o;
        return list;
    };
    auto committed_now = [&] {
        std::map<int32_t, int64_t> out;
        auto c = committed_offsets(broker_.brokers(), group, source, 2);
        if (!c) return out;
        for (int p = 0; p < 2; ++p) {
            if ((*c)[p] >= 0) out[p] = (*c)[p];
        }
        return out;
    };

    ASSERT_EQ(consume_some(30), 30);
    std::map<int32_t, int64_t> first = next;
    auto producer = transactional_producer(broker_.brokers(), "offsets-tx");
    rd_kafka_t* rk = producer->handle();
    TxnError e = TxnError::from(rd_kafka_init_transactions(rk, 30000));
    ASSERT_TRUE(e.ok) << "init_transactions: " << describe(e);
    e = TxnError::from(rd_kafka_begin_transaction(rk));
    ASSERT_TRUE(e.ok) << describe(e);
    ASSERT_EQ(producer->send("txn-offsets-out", 0, "with-offsets"), RD_KAFKA_RESP_ERR_NO_ERROR);
    {
        rd_kafka_topic_partition_list_t* list = offsets_list();
        rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer.get());
        e = TxnError::from(rd_kafka_send_offsets_to_transaction(rk, list, cgmd, 30000));
        rd_kafka_consumer_group_metadata_destroy(cgmd);
        rd_kafka_topic_partition_list_destroy(list);
    }
    ASSERT_TRUE(e.ok) << "send_offsets_to_transaction: " << describe(e);
    e = TxnError::from(rd_kafka_commit_transaction(rk, 30000));
    ASSERT_TRUE(e.ok) << "commit_transaction: " << describe(e);
    EXPECT_EQ(committed_now(), first) << "the committed transaction committed the group offsets";
    std::printf(
        "checked: send_offsets_to_transaction + commit: the group's committed offsets "
        "are the consumer's positions after 30 records\n");

    ASSERT_EQ(consume_some(40), 40);
    ASSERT_NE(next, first);
    e = TxnError::from(rd_kafka_begin_transaction(rk));
    ASSERT_TRUE(e.ok) << describe(e);
    ASSERT_EQ(producer->send("txn-offsets-out", 0, "aborted-with-offsets"),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    {
        rd_kafka_topic_partition_list_t* list = offsets_list();
        rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer.get());
        e = TxnError::from(rd_kafka_send_offsets_to_transaction(rk, list, cgmd, 30000));
        rd_kafka_consumer_group_metadata_destroy(cgmd);
        rd_kafka_topic_partition_list_destroy(list);
    }
    ASSERT_TRUE(e.ok) << "send_offsets_to_transaction: " << describe(e);
    e = TxnError::from(rd_kafka_abort_transaction(rk, 30000));
    ASSERT_TRUE(e.ok) << "abort_transaction: " << describe(e);
    EXPECT_EQ(committed_now(), first) << "the aborted transaction's offsets are not committed";
    std::printf(
        "checked: send_offsets_to_transaction + abort leaves the committed offsets as "
        "they were\n");
    EXPECT_EQ(values(read_partition(broker_.brokers(), "txn-offsets-out", 0, true)),
              std::vector<std::string>{"with-offsets"});
    rd_kafka_consumer_close(consumer.get());
}

TEST_F(TransactionsTest, ConsumeTransformProduceExactlyOnce) {
    constexpr int kInput = 3000;
    produce_input("eos-in", 3, kInput);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(create_topic(broker_.brokers(), "eos-out", 3), RD_KAFKA_RESP_ERR_NO_ERROR);
    PipelineOptions o;
    o.input = "eos-in";
    o.output = "eos-out";
    o.group = "eos-g";
    o.txn_id = "eos-tx";
    Pipeline pipeline(broker_.brokers(), o);
    auto started = Clock::now();
    ASSERT_TRUE(pipeline.run()) << pipeline.error();
    EXPECT_GT(pipeline.aborts(), 0);
    std::printf(
        "checked: the loop committed %d transactions and aborted %d in %lld ms\n",
        pipeline.commits(), pipeline.aborts(),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()));
    verify_exactly_once("eos-in", "eos-out", "eos-g", 3, kInput);
}

TEST_F(TransactionsTest, ExactlyOnceAcrossBrokerKills) {
    constexpr int kInput = 5000;
    constexpr int kKills = 3;
    produce_input("eos-kill-in", 3, kInput);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(create_topic(broker_.brokers(), "eos-kill-out", 3), RD_KAFKA_RESP_ERR_NO_ERROR);

    std::atomic<int> kills{0};
    std::atomic<bool> killer_done{false};
    std::atomic<bool> restart_failed{false};
    std::atomic<bool> stop_killer{false};
    std::thread killer([&] {
        std::mt19937 rng(std::random_device{}());
        std::uniform_int_distribution<int> wait_ms(1000, 3000);
        for (int i = 0; i < kKills && !stop_killer; ++i) {
            auto until = Clock::now() + std::chrono::milliseconds(wait_ms(rng));
            while (Clock::now() < until && !stop_killer) std::this_thread::sleep_for(20ms);
            if (stop_killer) break;
            broker_.kill9();
            ++kills;
            if (!broker_.start(60s)) {
                restart_failed = true;
                break;
            }
        }
        killer_done = true;
    });

    PipelineOptions o;
    o.input = "eos-kill-in";
    o.output = "eos-kill-out";
    o.group = "eos-kill-g";
    o.txn_id = "eos-kill-tx";
    o.batch = 50;
    o.pause = 20ms;
    o.deadline = 100s;
    o.may_finish = [&] { return killer_done.load(); };
    bool ok = false;
    {
        Pipeline pipeline(broker_.brokers(), o);
        ok = pipeline.run();
        stop_killer = true;
        killer.join();
        std::printf(
            "checked: %d kills; the loop committed %d, aborted %d, used %d producers, "
            "%d rebalances, %d retries\n",
            kills.load(), pipeline.commits(), pipeline.aborts(), pipeline.producers(),
            pipeline.rebalances(), pipeline.retries());
        ASSERT_FALSE(restart_failed) << "the broker did not restart after a kill -9";
        ASSERT_TRUE(ok) << pipeline.error();
    }
    EXPECT_EQ(kills.load(), kKills);
    verify_exactly_once("eos-kill-in", "eos-kill-out", "eos-kill-g", 3, kInput);
}

TEST_F(TransactionsTest, AbandonedTransactionTimesOut) {
    const std::string topic = "txn-abandoned";
    constexpr int kGhosts = 20, kAfter = 10;
    constexpr int kTxnTimeoutMs = 2000;
    ASSERT_EQ(create_topic(broker_.brokers(), topic, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

    // The child gets as far as an open transaction with flushed records, then vanishes. Its
    // exit code tells which step failed.
    const std::string brokers = broker_.brokers();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int code = 0;
        try {
            // Never destroyed: rd_kafka_destroy would close the connections politely.
            auto* p =
                new Producer(brokers, {{"transactional.id", "abandoned-tx"},
                                       {"transaction.timeout.ms", std::to_string(kTxnTimeoutMs)},
                                       {"socket.timeout.ms", "1500"}});
            rd_kafka_error_t* e = rd_kafka_init_transactions(p->handle(), 20000);
            if (e) code = 2;
            if (!code && (e = rd_kafka_begin_transaction(p->handle()))) code = 3;
            for (int i = 0; !code && i < kGhosts; ++i) {
                if (p->send(topic, 0, "ghost-" + std::to_string(i))) code = 4;
            }
            if (!code && p->flush(20000)) code = 5;
            if (!code && p->deliveries.ok != static_cast<size_t>(kGhosts)) code = 6;
            if (e) {
                std::fprintf(stderr, "child: %s\n", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "child: %s\n", ex.what());
            code = 1;
        }
        std::fflush(nullptr);
        ::_exit(code);  // no commit, no abort, no goodbye (the handle is never destroyed)
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0)
        << "the child failed before vanishing (2 init, 3 begin, 4 produce, 5 flush, 6 delivery)";
    auto vanished = Clock::now();
    std::printf("checked: the child left an open transaction with %d flushed records\n", kGhosts);

    // Committed records after the open transaction: held back by the last stable offset until
    // the coordinator aborts the transaction on its timeout.
    {
        Producer producer(broker_.brokers(), {{"acks", "all"}});
        for (const auto& v : numbered("after-", kAfter)) {
            ASSERT_EQ(producer.send(topic, 0, v), RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    char err[512];
    RdHandle rk(rd_kafka_new(RD_KAFKA_CONSUMER,
                             make_conf({{"bootstrap.servers", broker_.brokers()},
                                        {"isolation.level", "read_committed"}}),
                             err, sizeof err));
    ASSERT_TRUE(rk) << err;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    rd_kafka_consume_start(rkt, 0, RD_KAFKA_OFFSET_BEGINNING);
    std::vector<std::string> seen;
    auto limit = vanished + std::chrono::milliseconds(kTxnTimeoutMs) + 8s;
    while (seen.size() < static_cast<size_t>(kAfter) && Clock::now() < limit) {
        rd_kafka_message_t* m = rd_kafka_consume(rkt, 0, 200);
        if (!m) continue;
        if (!m->err) seen.emplace_back(static_cast<const char*>(m->payload), m->len);
        rd_kafka_message_destroy(m);
    }
    auto visible_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - vanished);
    // A little longer, to catch a ghost arriving late.
    for (auto until = Clock::now() + 1s; Clock::now() < until;) {
        rd_kafka_message_t* m = rd_kafka_consume(rkt, 0, 100);
        if (!m) continue;
        if (!m->err) seen.emplace_back(static_cast<const char*>(m->payload), m->len);
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_topic_destroy(rkt);
    EXPECT_EQ(seen, numbered("after-", kAfter))
        << "read_committed sees the records after the abandoned transaction within its timeout "
           "plus a few seconds, and none of the abandoned ones";
    std::printf(
        "checked: the %d later records became visible %lld ms after the producer "
        "vanished (transaction.timeout.ms %d); no ghost seen\n",
        kAfter, static_cast<long long>(visible_after.count()), kTxnTimeoutMs);

    // The coordinator wrote an abort marker: the ghosts are in the log, filtered as aborted.
    auto raw = read_partition(broker_.brokers(), topic, 0, false);
    size_t ghosts = 0;
    for (const auto& r : raw) ghosts += r.value.rfind("ghost-", 0) == 0;
    EXPECT_EQ(ghosts, static_cast<size_t>(kGhosts));
    EXPECT_TRUE(eventually(
        [&] { return end_offsets(broker_.brokers(), topic, 1)[0] == kGhosts + kAfter + 1; }, 10s))
        << "the high watermark includes one abort marker";
    std::printf("checked: the %d ghosts are in the log behind an abort marker\n", kGhosts);
}

}  // namespace
}  // namespace es::integration
