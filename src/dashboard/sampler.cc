#include "dashboard/sampler.h"

#include "base/clock.h"
#include "base/log.h"
#include "client/admin.h"
#include "dashboard/alerts.h"
#include "dashboard/cluster_reader.h"
#include "dashboard/jobs.h"
#include "dashboard/records.h"
#include "dashboard/topic_feed.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace es::dashboard {
namespace {

const log::Logger dashboard_log{"dashboard"};

/// Records drained from a feed per sample: bounds a sample's time after a long outage.
constexpr size_t kMaxRecordsPerSample = 20'000;
constexpr size_t kTopCampaigns = 20;

int32_t partitions_of(const ClusterState& state, const std::string& topic) {
    for (const TopicState& t : state.topics) {
        if (t.name == topic) return static_cast<int32_t>(t.partitions.size());
    }
    return 0;
}

}  // namespace

struct Sampler::Impl {
    DashboardConfig config;
    std::unique_ptr<ClusterReader> cluster;
    std::unique_ptr<TopicFeed> metrics;
    std::unique_ptr<TopicFeed> attribution;
    JobTracker jobs;
    CampaignBoard campaigns;
    AlertTracker alerts;
    std::map<std::string, std::string> last_errors;  // by what: logged once, not every second

    mutable std::mutex mu;
    std::condition_variable wake;
    bool stopping = false;
    std::shared_ptr<const RenderedSnapshot> latest;
    std::thread thread;

    void note(const std::string& what, const Status& s, ClusterState& state) {
        if (s.ok()) {
            last_errors.erase(what);
            return;
        }
        std::string text = what + ": " + s.error().to_string();
        if (state.error.empty()) state.error = text;
        std::string& last = last_errors[what];
        if (text != last) dashboard_log.warn("{}", text);
        last = text;
    }

    void feed(TopicFeed& f, const ClusterState& state, int64_t now, ClusterState& out,
              const std::function<void(std::string_view)>& on_value) {
        note("reading " + f.topic(),
             f.poll(partitions_of(state, f.topic()), now, kMaxRecordsPerSample, on_value), out);
    }

    void sample() {
        ClusterState state;
        state.time = wall_clock_ms();
        state.attribution_topic = config.attribution_topic;
        note("reading topics", cluster->read_topics(state.time, state), state);
        note("reading groups", cluster->read_groups(state.time, state), state);
        feed(*metrics, state, state.time, state, [this](std::string_view v) {
            if (auto r = parse_job_record(v); r.ok()) jobs.add(*r);
        });
        feed(*attribution, state, state.time, state, [this](std::string_view v) {
            if (auto w = parse_campaign_window(v); w.ok()) campaigns.add(std::move(w).value());
        });
        state.jobs = jobs.sample(state.time, cluster->job_inputs());
        state.latency = jobs.latency(state.time);
        state.campaigns = campaigns.top(kTopCampaigns);
        state.alerts = alerts.update(evaluate_alerts(state));
        auto rendered = std::make_shared<const RenderedSnapshot>(render(state));
        std::lock_guard lock(mu);
        latest = std::move(rendered);
    }

    void run() {
        auto next = std::chrono::steady_clock::now();
        std::unique_lock lock(mu);
        while (!stopping) {
            lock.unlock();
            sample();
            lock.lock();
            // A fixed pace: a slow sample shortens the wait rather than adding to it.
            next += config.sample_interval;
            auto now = std::chrono::steady_clock::now();
            if (next < now) next = now;
            wake.wait_until(lock, next, [this] { return stopping; });
        }
    }
};

Sampler::Sampler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Sampler::~Sampler() { stop(); }

Result<std::unique_ptr<Sampler>> Sampler::start(DashboardConfig config) {
    auto impl = std::make_unique<Impl>();
    ES_TRY(auto admin, client::Admin::make(config.cluster));
    impl->cluster = std::make_unique<ClusterReader>(std::move(admin));
    ES_TRY(impl->metrics,
           TopicFeed::make(config.cluster, config.metrics_topic, config.metrics_lookback));
    ES_TRY(impl->attribution,
           TopicFeed::make(config.cluster, config.attribution_topic, config.attribution_lookback));
    ClusterState empty;
    empty.time = wall_clock_ms();
    empty.attribution_topic = config.attribution_topic;
    impl->latest = std::make_shared<const RenderedSnapshot>(render(empty));
    impl->config = std::move(config);
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->run(); });
    return std::unique_ptr<Sampler>(new Sampler(std::move(impl)));
}

std::shared_ptr<const RenderedSnapshot> Sampler::latest() const {
    std::lock_guard lock(impl_->mu);
    return impl_->latest;
}

void Sampler::stop() {
    {
        std::lock_guard lock(impl_->mu);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace es::dashboard
