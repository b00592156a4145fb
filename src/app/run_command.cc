// edgestream run JOB: runs a built-in stream-processing job against any Kafka-compatible
// cluster until SIGINT/SIGTERM, then commits and leaves the group.

#include "app/cli_support.h"
#include "app/commands.h"
#include "base/stop_signals.h"
#include "stream/jobs/builtin_jobs.h"
#include "stream/runtime/config.h"
#include "stream/runtime/job_runner.h"

#include <CLI/CLI.hpp>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

namespace es::app {
namespace {

struct RunOptions {
    std::string job;
    Connection connection;
    std::string config_file;
    std::vector<std::string> params;
    std::string application_id;
    std::string state_dir;
    std::string guarantee;
    std::string instance_id;
    std::string metrics_addr;
    int64_t commit_interval_ms = 0;
    int64_t metrics_interval_ms = -1;
    int threads = 0;
    bool describe = false;
    bool list = false;
    bool brokers_given = false;
};

void list_jobs(const stream::JobRegistry& registry) {
    std::vector<std::vector<std::string>> rows{{"JOB", "PARAMETER", "DEFAULT", "DESCRIPTION"}};
    for (const stream::JobInfo* job : registry.list()) {
        rows.push_back({job->name, "", "", job->description});
        for (const auto& [name, fallback] : job->params) rows.push_back({"", name, fallback, ""});
    }
    print_table(rows);
}

/// Defaults, then the job file, then the command line: the later one wins.
stream::runtime::JobFile resolve(const RunOptions& o) {
    stream::runtime::JobFile file;
    file.runtime.application_id = o.job;
    if (!o.config_file.empty()) {
        auto loaded = stream::runtime::load_job_file(o.config_file, file);
        if (!loaded.ok()) fail(kUsage, "run", loaded.error().message());
        file = std::move(loaded).value();
    }
    client::ClientConfig cli = o.connection.config("run");
    if (o.brokers_given || o.config_file.empty()) file.runtime.cluster.brokers = cli.brokers;
    for (const auto& [k, v] : cli.properties) file.runtime.cluster.properties[k] = v;
    file.runtime.cluster.timeout = cli.timeout;
    auto params = parse_key_values(o.params, "--param");
    if (!params.ok()) fail("run", params.error());
    for (const auto& [k, v] : *params) file.params.set(k, v);
    auto& rt = file.runtime;
    if (!o.application_id.empty()) rt.application_id = o.application_id;
    if (!o.state_dir.empty()) rt.state_dir = o.state_dir;
    if (!o.instance_id.empty()) rt.instance_id = o.instance_id;
    if (o.commit_interval_ms > 0)
        rt.commit_interval = std::chrono::milliseconds(o.commit_interval_ms);
    if (o.threads > 0) rt.threads = o.threads;
    if (o.guarantee == "exactly_once") {
        rt.guarantee = stream::runtime::Guarantee::exactly_once;
    } else if (o.guarantee == "at_least_once") {
        rt.guarantee = stream::runtime::Guarantee::at_least_once;
    } else if (!o.guarantee.empty()) {
        fail(kUsage, "run", "--guarantee must be exactly_once or at_least_once");
    }
    return file;
}

int run_job(const RunOptions& o) {
    stream::JobRegistry registry;
    if (auto st = stream::jobs::register_builtin_jobs(registry); !st.ok()) fail("run", st.error());
    if (o.list) {
        list_jobs(registry);
        return 0;
    }
    if (o.job.empty()) fail(kUsage, "run", "name a job (edgestream run --list shows them)");
    auto job = registry.find(o.job);
    if (!job.ok()) fail(kUsage, "run", job.error().message());
    stream::runtime::JobFile file = resolve(o);
    auto topology = (*job)->build(file.params);
    if (!topology.ok()) fail(kUsage, "run", topology.error().message());
    if (o.describe) {
        std::fputs(topology->describe().c_str(), stdout);
        return 0;
    }
    stream::runtime::RunOptions run_options;
    run_options.metrics_addr = o.metrics_addr;
    if (o.metrics_interval_ms >= 0)
        run_options.metrics_interval = std::chrono::milliseconds(o.metrics_interval_ms);
    auto runner =
        stream::runtime::JobRunner::make(std::move(topology).value(), file.runtime, run_options);
    if (!runner.ok()) fail(kUsage, "run", runner.error().message());

    // Signals go to sigtimedwait below only; every thread started later inherits the mask.
    const sigset_t signals = block_stop_signals();
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    Status result;
    std::thread worker([&] {
        result = (*runner)->run(stop);
        done = true;
    });
    timespec tick{0, 200'000'000};
    while (!done) {
        if (sigtimedwait(&signals, nullptr, &tick) > 0) stop = true;
    }
    worker.join();
    if (!result.ok()) fail("run", result.error());
    return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
    auto o = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Run a built-in stream-processing job");
    cmd->add_option("job", o->job, "The job's name (see --list)");
    o->connection.add_to(cmd);
    cmd->add_option("--config", o->config_file,
                    "The job's YAML file (runtime settings and params)");
    cmd->add_option("-p,--param", o->params, "A job parameter KEY=VALUE (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cmd->add_option("--application-id", o->application_id,
                    "Consumer group and internal topic prefix (default: the job's name)");
    cmd->add_option("--state-dir", o->state_dir, "Where task state lives");
    cmd->add_option("--instance-id", o->instance_id,
                    "Names this instance's transactional ids (default: kept in the state dir)");
    cmd->add_option("--guarantee", o->guarantee, "exactly_once (default) or at_least_once");
    cmd->add_option("--commit-interval-ms", o->commit_interval_ms, "How often work is committed")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--threads", o->threads,
                    "Stream threads in this instance (default: one per CPU core)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--metrics-addr", o->metrics_addr,
                    "HOST:PORT for /metrics (Prometheus) and /v1/job");
    cmd->add_option("--metrics-interval-ms", o->metrics_interval_ms,
                    "How often the job's figures go to the edgestream-job-metrics topic (0: never; "
                    "default 5000)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--describe", o->describe, "Print the job's topology and exit");
    cmd->add_flag("--list", o->list, "List the built-in jobs and their parameters");
    cmd->callback([o, cmd] {
        o->brokers_given = cmd->count("--brokers") > 0;
        int code = run_job(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
