#include "broker/txn_coordinator.h"

#include "base/clock.h"
#include "broker/errc.h"
#include "broker/group_coordinator.h"
#include "broker/group_errc.h"
#include "broker/internal_topic.h"
#include "broker/logger.h"
#include "broker/txn_errc.h"
#include "broker/txn_records.h"

#include <algorithm>
#include <climits>
#include <map>
#include <unordered_map>

namespace es::broker {

using model::ProducerEpoch;
using model::ProducerId;
using model::TopicPartition;

namespace {

constexpr const char* kStateNames[] = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead"};

/// How long a failed marker write waits before it is tried again (a full disk, a failing log).
constexpr int64_t kMarkerRetryMs = 1000;

bool preparing(TxnState s) { return s == TxnState::prepare_commit || s == TxnState::prepare_abort; }

template <class T>
void insert_sorted(std::vector<T>& into, const T& value) {
    auto it = std::lower_bound(into.begin(), into.end(), value);
    if (it == into.end() || *it != value) into.insert(it, value);
}

}  // namespace

const char* to_string(TxnState s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<TxnState> txn_state_from_string(std::string_view name) {
    for (size_t i = 0; i < std::size(kStateNames); ++i) {
        if (name == kStateNames[i]) return static_cast<TxnState>(i);
    }
    return std::nullopt;
}

struct TxnCoordinator::State : std::enable_shared_from_this<State> {
    State(TxnConfig c, Broker& b, GroupCoordinator& g, Executor& h)
        : config(c), broker(b), groups(g), home(h), topic(b, h, kTopic) {}

    struct Entry {
        TxnMetadata meta;
        bool busy =
            false;  // a state change is being written: others wait (CONCURRENT_TRANSACTIONS)
    };

    TxnConfig config;
    Broker& broker;
    GroupCoordinator& groups;
    Executor& home;
    InternalTopic topic;
    bool loaded = false;
    std::map<std::string, Entry> txns;
    /// Producer id -> transactional id, for verify_partition.
    std::unordered_map<ProducerId, std::string> by_producer;

    /// Takes `next` as the id's state, keeping by_producer in step.
    void take(Entry& e, TxnMetadata next) {
        if (e.meta.producer_id != next.producer_id) {
            by_producer.erase(e.meta.producer_id);
            by_producer[next.producer_id] = next.transactional_id;
        }
        e.meta = std::move(next);
    }

    void forget(const std::string& id) {
        auto it = txns.find(id);
        if (it == txns.end()) return;
        by_producer.erase(it->second.meta.producer_id);
        txns.erase(it);
    }

    /// Writes `next` as the id's state and takes it once durable; the entry is busy meanwhile.
    void persist(TxnMetadata next, std::function<void(Status)> done) {
        next.update_ms = wall_clock_ms();
        std::string id = next.transactional_id;
        txns[id].busy = true;
        auto self = shared_from_this();
        topic.write({encode_txn_record(next)}, [self, next, done](Status written) {
            auto it = self->txns.find(next.transactional_id);
            if (it != self->txns.end()) {
                it->second.busy = false;
                if (written.ok()) {
                    self->take(it->second, next);
                } else if (it->second.meta.producer_id.value() < 0) {
                    self->txns.erase(it);  // a new id whose first record failed
                }
            }
            if (!written.ok()) {
                broker_log.error("{}: writing the state of '{}': {}", kTopic, next.transactional_id,
                                 written.error().to_string());
            }
            done(written);
        });
    }

    /// What a request needs of its producer's entry besides ownership.
    enum class Need {
        idle,     // no state change being written (it starts one)
        reading,  // only reads the state, which a change being written does not alter yet
    };

    /// The entry of a request's producer, or why the request is refused.
    Result<Entry*> producer(const std::string& id, ProducerId pid, ProducerEpoch epoch,
                            Need need = Need::idle) {
        if (!loaded) {
            return Error(TxnErrc::coordinator_load_in_progress, "loading " + std::string(kTopic));
        }
        auto it = txns.find(id);
        if (it == txns.end() || it->second.meta.producer_id.value() < 0) {
            return Error(TxnErrc::invalid_producer_id_mapping,
                         "no producer for transactional id '" + id + "'");
        }
        Entry& e = it->second;
        if (e.meta.producer_id != pid) {
            return Error(TxnErrc::invalid_producer_id_mapping,
                         "transactional id '" + id + "' belongs to producer " +
                             std::to_string(e.meta.producer_id.value()) + ", not " +
                             std::to_string(pid.value()));
        }
        if (e.meta.producer_epoch != epoch) {
            return Error(Errc::producer_fenced, "transactional id '" + id + "' is at epoch " +
                                                    std::to_string(e.meta.producer_epoch.value()) +
                                                    ", not " + std::to_string(epoch.value()) +
                                                    ": a newer producer took it over");
        }
        if ((e.busy && need == Need::idle) || preparing(e.meta.state)) {
            return Error(TxnErrc::concurrent_transactions,
                         "transactional id '" + id + "' is changing state");
        }
        return &e;
    }

    /// Runs `fn` on home with the entry of the request's producer, or calls `refuse` with why
    /// the request is refused (see producer()).
    template <class Refuse, class Fn>
    void on_producer(std::string id, ProducerId pid, ProducerEpoch epoch, Refuse refuse, Fn fn,
                     Need need = Need::idle) {
        auto self = shared_from_this();
        home.post([self, id = std::move(id), pid, epoch, refuse, fn, need]() mutable {
            auto entry = self->producer(id, pid, epoch, need);
            if (!entry.ok()) return refuse(entry.error());
            fn(**entry);
        });
    }

    /// `m` with the next epoch, or a new producer id at epoch 0 once the epoch is exhausted
    /// (Kafka keeps the last value free so that markers can still fence).
    void bump(TxnMetadata m, std::function<void(Result<TxnMetadata>)> done) {
        if (m.producer_epoch.value() < INT16_MAX - 1) {
            m.producer_epoch = ProducerEpoch(static_cast<int16_t>(m.producer_epoch.value() + 1));
            done(std::move(m));
            return;
        }
        broker.init_producer_id(home, [m, done](Result<InitProducerIdOutput> fresh) mutable {
            if (!fresh.ok()) return done(std::move(fresh).error());
            m.last_producer_id = m.producer_id;
            m.producer_id = fresh->producer_id;
            m.producer_epoch = ProducerEpoch(0);
            done(std::move(m));
        });
    }

    /// Ends the open transaction of `m` (already at the epoch its markers carry): Prepare,
    /// markers, Complete. `done` gets the completed metadata.
    void end(TxnMetadata m, bool commit, std::function<void(Result<TxnMetadata>)> done) {
        m.state = commit ? TxnState::prepare_commit : TxnState::prepare_abort;
        auto self = shared_from_this();
        persist(m, [self, m, commit, done](Status prepared) {
            if (!prepared.ok()) return done(prepared.error());
            // From here the outcome is decided: a crash now completes it at the next start.
            self->txns[m.transactional_id].busy = true;
            self->complete(m, commit, done);
        });
    }

    /// The markers of a decided transaction, then its Complete state. Retries until the
    /// markers are written: the decision cannot be taken back.
    void complete(TxnMetadata m, bool commit, std::function<void(Result<TxnMetadata>)> done) {
        auto self = shared_from_this();
        auto retry = [self, m, commit, done](const Error& e) {
            broker_log.warn("transaction '{}': markers not written ({}); retrying",
                            m.transactional_id, e.to_string());
            self->home.post_after(kMarkerRetryMs,
                                  [self, m, commit, done] { self->complete(m, commit, done); });
        };
        TxnMarker marker{m.producer_id, m.producer_epoch, commit, 0};
        broker.write_txn_markers(
            home, marker, m.partitions,
            [self, m, commit, done, retry](std::vector<Status> written) {
                for (size_t i = 0; i < written.size(); ++i) {
                    const Status& s = written[i];
                    if (s.ok()) continue;
                    // A deleted topic needs no marker; an epoch the partition already passed
                    // means a later marker (a newer epoch) closed the transaction there.
                    if (s.error().is(Errc::unknown_topic_or_partition) ||
                        s.error().is(Errc::invalid_producer_epoch)) {
                        broker_log.warn("transaction '{}': no marker on {}: {}", m.transactional_id,
                                        m.partitions[i].to_string(), s.error().to_string());
                        continue;
                    }
                    return retry(s.error());
                }
                self->end_group_offsets(m, commit, 0, done, retry);
            });
    }

    void end_group_offsets(TxnMetadata m, bool commit, size_t next,
                           std::function<void(Result<TxnMetadata>)> done,
                           std::function<void(const Error&)> retry) {
        auto self = shared_from_this();
        if (next == m.groups.size()) {
            TxnMetadata completed = m;
            completed.state = commit ? TxnState::complete_commit : TxnState::complete_abort;
            completed.partitions.clear();
            completed.groups.clear();
            persist(completed, [self, completed, done](Status written) {
                if (!written.ok()) {
                    // The markers are down: the id stays in its Prepare state (durable), so a
                    // restart completes it; until then it stays busy here.
                    self->txns[completed.transactional_id].busy = true;
                    return done(written.error());
                }
                done(completed);
            });
            return;
        }
        groups.end_transaction(home, m.groups[next], m.producer_id, commit,
                               [self, m, commit, next, done, retry](Status ended) {
                                   if (!ended.ok()) return retry(ended.error());
                                   self->end_group_offsets(m, commit, next + 1, done, retry);
                               });
    }

    void init(InitTxnProducerInput in, std::function<void(Result<InitProducerIdOutput>)> reply) {
        auto self = shared_from_this();
        auto answer = [reply](Result<TxnMetadata> m) {
            if (!m.ok()) return reply(std::move(m).error());
            reply(InitProducerIdOutput{m->producer_id, m->producer_epoch});
        };
        auto it = txns.find(in.transactional_id);
        if (it == txns.end()) {
            txns[in.transactional_id].busy = true;  // until its first state is written
            broker.init_producer_id(home, [self, in, answer](Result<InitProducerIdOutput> id) {
                if (!id.ok()) {
                    self->txns.erase(in.transactional_id);
                    return answer(std::move(id).error());
                }
                TxnMetadata m;
                m.transactional_id = in.transactional_id;
                m.producer_id = id->producer_id;
                m.producer_epoch = ProducerEpoch(0);
                m.timeout_ms = in.timeout_ms;
                m.state = TxnState::empty;
                self->persist(m, [m, answer](Status written) {
                    if (!written.ok()) return answer(written.error());
                    answer(m);
                });
            });
            return;
        }
        Entry& e = it->second;
        if (e.busy || preparing(e.meta.state)) {
            return reply(Error(TxnErrc::concurrent_transactions,
                               "transactional id '" + in.transactional_id + "' is changing state"));
        }
        TxnMetadata m = e.meta;
        // KIP-360: a producer that names its id and epoch must still own them.
        if (in.producer_id.value() >= 0 &&
            (in.producer_id != m.producer_id || in.producer_epoch != m.producer_epoch)) {
            return reply(
                Error(Errc::producer_fenced, "transactional id '" + in.transactional_id +
                                                 "' is owned by producer " +
                                                 std::to_string(m.producer_id.value()) + " epoch " +
                                                 std::to_string(m.producer_epoch.value())));
        }
        m.timeout_ms = in.timeout_ms;
        bool open = m.state == TxnState::ongoing;
        e.busy = true;  // bump() may wait for a new producer id
        bump(m, [self, open, answer, id = in.transactional_id](Result<TxnMetadata> bumped) {
            if (!bumped.ok()) {
                self->txns[id].busy = false;
                return answer(std::move(bumped).error());
            }
            if (open) {
                // The previous producer's transaction is aborted with the new epoch, which
                // fences it on every partition it wrote to.
                broker_log.info(
                    "transaction '{}': aborting the open transaction of the previous "
                    "producer (new epoch {})",
                    bumped->transactional_id, bumped->producer_epoch.value());
                return self->end(*bumped, /*commit=*/false, answer);
            }
            TxnMetadata ready = *bumped;
            ready.state = TxnState::empty;
            ready.partitions.clear();
            ready.groups.clear();
            self->persist(ready, [ready, answer](Status written) {
                if (!written.ok()) return answer(written.error());
                answer(ready);
            });
        });
    }

    Result<TxnMetadata> describe_one(const std::string& id) const {
        if (!loaded) return Error(TxnErrc::coordinator_load_in_progress, "loading");
        auto it = txns.find(id);
        if (it == txns.end() || it->second.meta.producer_id.value() < 0) {
            return Error(TxnErrc::transactional_id_not_found, "no transactional id '" + id + "'");
        }
        return it->second.meta;
    }

    /// Adds partitions and groups to the producer's transaction, opening it if needed.
    void extend(Entry& e, const std::vector<TopicPartition>& partitions,
                const std::optional<std::string>& group, std::function<void(Status)> done) {
        TxnMetadata next = e.meta;
        for (const auto& tp : partitions) insert_sorted(next.partitions, tp);
        if (group) insert_sorted(next.groups, *group);
        if (next.state == e.meta.state && e.meta.state == TxnState::ongoing &&
            next.partitions == e.meta.partitions && next.groups == e.meta.groups) {
            done(Status{});
            return;
        }
        if (e.meta.state != TxnState::ongoing) {
            next.state = TxnState::ongoing;
            next.start_ms = wall_clock_ms();
        }
        persist(next, std::move(done));
    }
};

TxnCoordinator::TxnCoordinator(TxnConfig config, Broker& broker, GroupCoordinator& groups,
                               Executor& home)
    : state_(std::make_shared<State>(config, broker, groups, home)) {}

TxnCoordinator::~TxnCoordinator() = default;

void TxnCoordinator::load(std::function<void(Status)> done) {
    auto s = state_;
    s->topic.open([s, done](Result<std::vector<KeyValue>> stored) {
        if (!stored.ok()) return done(std::move(stored).error());
        for (const KeyValue& kv : *stored) {
            auto decoded = decode_txn_record(kv.key, kv.value_view());
            if (!decoded.ok()) {
                broker_log.error("{}: skipping a record: {}", kTopic, decoded.error().to_string());
                continue;
            }
            if (!decoded->metadata) {
                s->forget(decoded->transactional_id);
            } else {
                s->take(s->txns[decoded->transactional_id], std::move(*decoded->metadata));
            }
        }
        size_t resumed = 0;
        for (auto& [id, e] : s->txns) {
            if (!preparing(e.meta.state)) continue;
            // Decided before the crash: the markers go out again (a repeat is harmless).
            ++resumed;
            e.busy = true;
            bool commit = e.meta.state == TxnState::prepare_commit;
            s->complete(e.meta, commit, [id = id](Result<TxnMetadata> completed) {
                if (completed.ok()) {
                    broker_log.info("transaction '{}': completed after the restart ({})", id,
                                    to_string(completed->state));
                }
            });
        }
        s->loaded = true;
        broker_log.info("{}: {} transactional ids, {} transactions being completed", kTopic,
                        s->txns.size(), resumed);
        done(Status{});
    });
}

void TxnCoordinator::init_producer_id(Executor& origin, InitTxnProducerInput in,
                                      std::function<void(Result<InitProducerIdOutput>)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto s = state_;
    s->home.post([s, in = std::move(in), reply] {
        if (!s->loaded) {
            return reply(
                Error(TxnErrc::coordinator_load_in_progress, "loading " + std::string(kTopic)));
        }
        if (in.transactional_id.empty()) {
            return reply(Error(Errc::invalid_request, "empty transactional id"));
        }
        if (in.timeout_ms <= 0 || in.timeout_ms > s->config.max_timeout_ms) {
            return reply(Error(TxnErrc::invalid_transaction_timeout,
                               "transaction.timeout.ms " + std::to_string(in.timeout_ms) +
                                   " is outside (0, transaction.max.timeout.ms = " +
                                   std::to_string(s->config.max_timeout_ms) + "]"));
        }
        s->init(in, reply);
    });
}

void TxnCoordinator::add_partitions(Executor& origin, std::string transactional_id,
                                    ProducerId producer_id, ProducerEpoch epoch,
                                    std::vector<TopicPartition> partitions,
                                    std::function<void(std::vector<Status>)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto all = [reply, n = partitions.size()](const Status& status) {
        reply(std::vector<Status>(n, status));
    };
    auto s = state_;
    s->on_producer(std::move(transactional_id), producer_id, epoch, all,
                   [s, partitions = std::move(partitions), reply, all](State::Entry& entry) {
                       std::vector<Status> results(partitions.size());
                       bool unknown = false;
                       for (size_t i = 0; i < partitions.size(); ++i) {
                           auto topic = s->broker.catalog().find(partitions[i].topic);
                           if (!topic || partitions[i].partition.value() < 0 ||
                               partitions[i].partition.value() >= topic->partitions) {
                               results[i] = Error(Errc::unknown_topic_or_partition,
                                                  "no partition " + partitions[i].to_string());
                               unknown = true;
                           }
                       }
                       if (unknown) {
                           for (auto& r : results) {
                               if (r.ok()) {
                                   r = Error(TxnErrc::operation_not_attempted,
                                             "another partition failed");
                               }
                           }
                           return reply(std::move(results));
                       }
                       s->extend(entry, partitions, std::nullopt, all);
                   });
}

void TxnCoordinator::add_offsets(Executor& origin, std::string transactional_id,
                                 ProducerId producer_id, ProducerEpoch epoch, std::string group_id,
                                 std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto s = state_;
    s->on_producer(std::move(transactional_id), producer_id, epoch, reply,
                   [s, group_id = std::move(group_id), reply](State::Entry& entry) {
                       if (group_id.empty()) {
                           return reply(Error(GroupErrc::invalid_group_id, "empty group id"));
                       }
                       s->extend(entry, {}, group_id, reply);
                   });
}

void TxnCoordinator::end_txn(Executor& origin, std::string transactional_id, ProducerId producer_id,
                             ProducerEpoch epoch, bool commit, std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto s = state_;
    s->on_producer(
        std::move(transactional_id), producer_id, epoch, reply,
        [s, commit, reply](State::Entry& entry) {
            const TxnMetadata& m = entry.meta;
            switch (m.state) {
                case TxnState::ongoing:
                    return s->end(m, commit, [reply](Result<TxnMetadata> ended) {
                        reply(ended.ok() ? Status{} : Status(std::move(ended).error()));
                    });
                case TxnState::complete_commit:
                case TxnState::complete_abort:
                    // A retry of the EndTxn that completed it is answered the same.
                    if ((m.state == TxnState::complete_commit) == commit) {
                        return reply(Status{});
                    }
                    break;
                default:
                    break;
            }
            reply(Error(TxnErrc::invalid_txn_state,
                        std::string(commit ? "commit" : "abort") + " of transactional id '" +
                            m.transactional_id + "' in state " + to_string(m.state)));
        });
}

void TxnCoordinator::check_offsets_commit(Executor& origin, std::string transactional_id,
                                          ProducerId producer_id, ProducerEpoch epoch,
                                          std::string group_id, std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    state_->on_producer(
        std::move(transactional_id), producer_id, epoch, reply,
        [group_id = std::move(group_id), reply](State::Entry& entry) {
            const TxnMetadata& m = entry.meta;
            if (m.state != TxnState::ongoing ||
                !std::binary_search(m.groups.begin(), m.groups.end(), group_id)) {
                return reply(Error(TxnErrc::invalid_txn_state,
                                   "group '" + group_id + "' is not in the transaction of '" +
                                       m.transactional_id + "' (AddOffsetsToTxn first)"));
            }
            reply(Status{});
        },
        // Partitions being added to the transaction meanwhile change nothing this checks;
        // refusing would cost the client a 500 ms retry (librdkafka's TxnOffsetCommit backoff).
        State::Need::reading);
}

void TxnCoordinator::verify_partition(Executor& origin, ProducerId producer_id, ProducerEpoch epoch,
                                      const TopicPartition& tp, std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto s = state_;
    s->home.post([s, producer_id, epoch, tp, reply] {
        if (!s->loaded) {
            return reply(
                Error(TxnErrc::coordinator_load_in_progress, "loading " + std::string(kTopic)));
        }
        auto id = s->by_producer.find(producer_id);
        auto it = id == s->by_producer.end() ? s->txns.end() : s->txns.find(id->second);
        if (it == s->txns.end()) {
            return reply(Error(TxnErrc::invalid_txn_state, "transactional batch of producer " +
                                                               std::to_string(producer_id.value()) +
                                                               ", which has no transactional id"));
        }
        const TxnMetadata& m = it->second.meta;
        if (epoch < m.producer_epoch) {
            return reply(Error(Errc::invalid_producer_epoch,
                               "transactional batch of '" + m.transactional_id + "' at epoch " +
                                   std::to_string(epoch.value()) + ", which is now at " +
                                   std::to_string(m.producer_epoch.value())));
        }
        if (epoch != m.producer_epoch || m.state != TxnState::ongoing ||
            !std::binary_search(m.partitions.begin(), m.partitions.end(), tp)) {
            return reply(Error(TxnErrc::invalid_txn_state,
                               "transactional batch for " + tp.to_string() + " of '" +
                                   m.transactional_id + "', whose open transaction (" +
                                   to_string(m.state) + ") does not include it"));
        }
        reply(Status{});
    });
}

Broker::TxnVerifier TxnCoordinator::verifier() {
    return [this](Executor& origin, ProducerId id, ProducerEpoch epoch, const TopicPartition& tp,
                  std::function<void(Status)> done) {
        verify_partition(origin, id, epoch, tp, std::move(done));
    };
}

void TxnCoordinator::describe(Executor& origin, std::vector<std::string> transactional_ids,
                              std::function<void(std::vector<Result<TxnMetadata>>)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto s = state_;
    s->home.post([s, ids = std::move(transactional_ids), reply] {
        std::vector<Result<TxnMetadata>> out;
        out.reserve(ids.size());
        for (const auto& id : ids) out.push_back(s->describe_one(id));
        reply(std::move(out));
    });
}

void TxnCoordinator::list(Executor& origin, std::function<void(std::vector<TxnMetadata>)> done) {
    auto reply = answer_on(origin, std::move(done));
    auto s = state_;
    s->home.post([s, reply] {
        std::vector<TxnMetadata> out;
        for (const auto& [id, e] : s->txns) {
            if (e.meta.producer_id.value() >= 0) out.push_back(e.meta);
        }
        reply(std::move(out));
    });
}

void TxnCoordinator::abort_timed_out(int64_t now_ms) {
    State& s = *state_;
    if (!s.loaded) return;
    std::vector<std::string> expired;
    for (auto& [id, e] : s.txns) {
        const TxnMetadata& m = e.meta;
        if (e.busy || m.producer_id.value() < 0) continue;
        if (m.state == TxnState::ongoing && now_ms - m.start_ms > m.timeout_ms) {
            broker_log.info(
                "transaction '{}' of producer {} open for {} ms, longer than its "
                "timeout of {} ms: aborting it",
                id, m.producer_id.value(), now_ms - m.start_ms, m.timeout_ms);
            // With a new epoch, as Kafka does: the producer is fenced and must start over.
            auto self = state_;
            e.busy = true;
            s.bump(m, [self, id = id](Result<TxnMetadata> bumped) {
                if (!bumped.ok()) {
                    self->txns[id].busy = false;
                    return;
                }
                self->end(*bumped, /*commit=*/false, [](Result<TxnMetadata>) {});
            });
        } else if (m.state != TxnState::ongoing &&
                   now_ms - m.update_ms > s.config.id_expiration_ms) {
            expired.push_back(id);
        }
    }
    for (const auto& id : expired) {
        // Forgotten once the tombstone is durable; a producer using it meanwhile starts anew.
        s.txns[id].busy = true;
        auto self = state_;
        s.topic.write({encode_txn_tombstone(id)}, [self, id](Status written) {
            if (written.ok()) {
                self->forget(id);
                broker_log.info("transactional id '{}' expired", id);
            } else {
                self->txns[id].busy = false;
            }
        });
    }
}

}  // namespace es::broker
