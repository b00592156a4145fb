#include "stream/nexmark/nexmark_jobs.h"

#include "stream/api/errc.h"
#include "stream/formats/value_format.h"
#include "stream/nexmark/queries.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

namespace es::stream::nexmark {

namespace {

std::vector<JobInfo> all_jobs() {
    std::vector<JobInfo> jobs;
    add_stateless_queries(jobs);
    add_window_queries(jobs);
    add_join_queries(jobs);
    add_auction_queries(jobs);
    auto number = [](const JobInfo& j) { return std::stoi(j.name.substr(j.name.find('q') + 1)); };
    std::sort(jobs.begin(), jobs.end(),
              [&](const JobInfo& a, const JobInfo& b) { return number(a) < number(b); });
    return jobs;
}

}  // namespace

Result<QuerySettings> read_settings(const JobParams& p, const std::string& query) {
    QuerySettings s;
    s.input = p.get("input", "nexmark-events");
    s.output = p.get("output", "nexmark-" + query);
    ES_TRY(s.out_of_orderness, p.get_duration("out-of-orderness", kDefaultOutOfOrderness));
    if (s.out_of_orderness.count() < 0) {
        return Error(Errc::invalid_config, "parameter out-of-orderness must not be negative");
    }
    if (p.has("idle-timeout")) {
        ES_TRY(auto idle, p.get_duration("idle-timeout", std::chrono::milliseconds(0)));
        if (idle.count() > 0) s.idle_timeout = idle;
    }
    ES_TRY(formats::ValueFormat format, formats::read_value_format(p));
    ES_TRY(s.decoder, formats::value_decoder_via_json<Event>(format));
    return s;
}

Result<std::chrono::milliseconds> positive_duration(const JobParams& p, const std::string& name,
                                                    std::chrono::milliseconds fallback) {
    ES_TRY(auto d, p.get_duration(name, fallback));
    if (d.count() <= 0) {
        return Error(Errc::invalid_config, "parameter " + name + " must be positive");
    }
    return d;
}

Stream<NoKey, Event> read_events(StreamBuilder& b, const QuerySettings& s) {
    SourceOptions<Event> options;
    options.event_time = [](const Event& e, TimeMs) { return e.date_time(); };
    options.max_out_of_orderness = s.out_of_orderness;
    options.idle_timeout = s.idle_timeout;
    options.name = "events";
    options.value_decoder = s.decoder;
    return b.source<NoKey, Event>(s.input, options);
}

Stream<NoKey, Person> persons_of(const Stream<NoKey, Event>& events) {
    return events.filter([](const Event& e) { return e.person() != nullptr; })
        .map_values([](const Event& e) { return *e.person(); });
}

Stream<NoKey, Auction> auctions_of(const Stream<NoKey, Event>& events) {
    return events.filter([](const Event& e) { return e.auction() != nullptr; })
        .map_values([](const Event& e) { return *e.auction(); });
}

Stream<NoKey, Bid> bids_of(const Stream<NoKey, Event>& events) {
    return events.filter([](const Event& e) { return e.bid() != nullptr; })
        .map_values([](const Event& e) { return *e.bid(); });
}

void auction_fields_after_bid(JsonWriter& w, const Auction& a) {
    w.str("item_name", a.item_name)
        .str("description", a.description)
        .i64("initial_bid", a.initial_bid)
        .i64("reserve", a.reserve)
        .i64("auction_date_time", a.date_time)
        .i64("expires", a.expires)
        .i64("seller", a.seller)
        .i64("category", a.category)
        .str("auction_extra", a.extra);
}

std::string format_day(int64_t ms) {
    using namespace std::chrono;
    year_month_day d{floor<days>(sys_time<milliseconds>(milliseconds(ms)))};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::string format_minute(int64_t ms) {
    constexpr int64_t kDay = 86'400'000;
    int64_t in_day = ((ms % kDay) + kDay) % kDay;
    return fmt::format("{:02}:{:02}", in_day / 3'600'000, (in_day / 60'000) % 60);
}

JobInfo query_job(const std::string& query, std::string description, QueryParams extra,
                  std::function<Result<Topology>(const JobParams&)> build) {
    QueryParams params{{"input", "nexmark-events"},
                       {"output", "nexmark-" + query},
                       {"out-of-orderness", std::to_string(kDefaultOutOfOrderness.count()) + "ms"},
                       {"idle-timeout", "none"}};
    params.insert(params.end(), extra.begin(), extra.end());
    return JobInfo{"nexmark-" + query, std::move(description), std::move(params), std::move(build)};
}

Status register_nexmark_jobs(JobRegistry& registry) {
    for (JobInfo& job : all_jobs()) ES_CHECK(registry.add(std::move(job)));
    return ok_status();
}

std::vector<std::string> nexmark_job_names() {
    std::vector<std::string> names;
    for (const JobInfo& job : all_jobs()) names.push_back(job.name);
    return names;
}

}  // namespace es::stream::nexmark
