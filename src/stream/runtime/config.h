#pragma once

// How a job runs: where the cluster is, its application id, the processing guarantee, where
// state lives. Read from the job's YAML file (`edgestream run JOB --config job.yaml`) and the
// command line.

#include "base/result.h"
#include "client/config.h"
#include "stream/api/job.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace es::stream::runtime {

enum class Guarantee { exactly_once, at_least_once };

struct RuntimeConfig {
    /// The consumer group id, the prefix of internal topics and the state directory's name.
    std::string application_id;
    client::ClientConfig cluster;
    /// Each task's RocksDB database lives in <state_dir>/<application id>/<task id>.
    std::filesystem::path state_dir = std::filesystem::temp_directory_path() / "edgestream-streams";
    Guarantee guarantee = Guarantee::exactly_once;
    /// How often results, changelogs and input offsets are committed together.
    std::chrono::milliseconds commit_interval{100};
    /// Stream threads in this instance; each is one member of the group. 0: one per CPU core
    /// (a thread is busy on one core: the attribution job runs 2.15x as fast with 2 on 2).
    int threads = 0;
    /// Names this instance's transactional ids; empty: made once and kept in the state
    /// directory, so a restart on the same disk fences its previous incarnation at once.
    std::string instance_id;
    /// Records no source could decode go here with the reason in a header; empty:
    /// <application id>-dlq.
    std::string dead_letter_topic;
    /// Partitions of repartition topics; 0: the largest partition count among the inputs.
    int32_t repartition_partitions = 0;
    /// Replication factor of internal topics; -1 lets the broker choose.
    int16_t replication_factor = -1;
    /// A commit happens early when uncommitted state changes grow beyond this.
    size_t max_uncommitted_bytes = 64u << 20;
    /// transaction.timeout.ms of the producers: how long a crashed instance's open
    /// transaction can hold read_committed readers back when no restart fences it.
    std::chrono::milliseconds transaction_timeout{10000};
};

/// A job's YAML file: runtime settings and the job's own parameters.
///
///     application.id: clicks-per-minute
///     bootstrap.servers: 127.0.0.1:9092
///     processing.guarantee: exactly_once      # or at_least_once
///     commit.interval.ms: 100
///     num.stream.threads: 1
///     state.dir: /var/lib/edgestream/streams
///     instance.id: host-a
///     params:
///       window: 1min
///     client:                                 # librdkafka properties for every client
///       security.protocol: plaintext
struct JobFile {
    RuntimeConfig runtime;
    JobParams params;
};

/// Errc::invalid_config naming `origin` and the key for anything unknown or malformed.
Result<JobFile> parse_job_file(const std::string& text, JobFile base, const std::string& origin);
Result<JobFile> load_job_file(const std::filesystem::path& path, JobFile base);

}  // namespace es::stream::runtime
