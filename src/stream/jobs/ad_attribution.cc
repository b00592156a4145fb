// ad-attribution: turns impressions, clicks and conversions into attributed conversions and
// per-campaign figures, exactly once. See docs/attribution.md.
//
// The three inputs are keyed by user and co-partitioned, so one task sees all of a user's
// events. Per user, touches (impressions and clicks) are kept for the lookback (a TTL store)
// and each conversion waits until the watermark passes its time plus the allowed lateness;
// then every touch that is not late (beyond the allowed lateness, which sends it to the late
// topic) and inside the lookback takes part. So a conversion's credits depend only on which
// events were refused as late, which the late topic records, and not on arrival order.

#include "stream/api/builder.h"
#include "stream/formats/value_format.h"
#include "stream/jobs/ad_events.h"
#include "stream/jobs/attribution_model.h"
#include "stream/jobs/builtin_jobs.h"
#include "stream/state/key_codec.h"

#include <fmt/core.h>

#include <algorithm>

namespace es::stream::jobs {
namespace {

using namespace std::chrono_literals;

struct Settings {
    std::string impressions, clicks, conversions, attributed, stats, late;
    AttributionModel model = AttributionModel::last_touch;
    TimeMs click_lookback = 0;
    TimeMs view_lookback = 0;
    TimeMs half_life = 0;
    TimeMs lateness = 0;
    TimeMs dedup_within = 0;
    std::chrono::milliseconds out_of_orderness{0};
    std::chrono::milliseconds window{0};
    std::optional<std::chrono::milliseconds> idle_timeout;
};

Result<Settings> read_settings(const JobParams& p) {
    Settings s;
    std::string prefix = p.get("prefix", "ad-");
    s.impressions = p.get("impressions", prefix + "impressions");
    s.clicks = p.get("clicks", prefix + "clicks");
    s.conversions = p.get("conversions", prefix + "conversions");
    s.attributed = p.get("attributed", prefix + "attributed");
    s.stats = p.get("stats", prefix + "campaign-stats");
    s.late = p.get("late", prefix + "late-events");
    ES_TRY(s.model, parse_model(p.get("model", "last-touch")));
    ES_TRY(auto click, p.get_duration("click-lookback", std::chrono::hours(24 * 7)));
    ES_TRY(auto view, p.get_duration("view-lookback", std::chrono::hours(24)));
    ES_TRY(auto half, p.get_duration("half-life", std::chrono::hours(24 * 7)));
    ES_TRY(auto lateness, p.get_duration("allowed-lateness", 5s));
    ES_TRY(auto dedup, p.get_duration("dedup-within", std::chrono::hours(1)));
    ES_TRY(s.out_of_orderness, p.get_duration("out-of-orderness", 2s));
    ES_TRY(s.window, p.get_duration("window", std::chrono::minutes(1)));
    if (p.has("idle-timeout")) {
        ES_TRY(auto idle, p.get_duration("idle-timeout", 0ms));
        if (idle.count() > 0) s.idle_timeout = idle;
    }
    if (s.window.count() <= 0 || dedup.count() <= 0 || half.count() <= 0) {
        return Error(Errc::invalid_config, "window, dedup-within and half-life must be positive");
    }
    s.click_lookback = click.count();
    s.view_lookback = view.count();
    s.half_life = half.count();
    s.lateness = lateness.count();
    s.dedup_within = dedup.count();
    return s;
}

/// Conversion values in USD at fixed rates: the job reports revenue in one currency; a real
/// deployment would join a rates table instead.
double to_usd(double value, const std::string& currency) {
    if (currency == "EUR") return value * 1.08;
    if (currency == "GBP") return value * 1.27;
    return value;
}

/// What the attribution function emits: a credit, or an event refused as late.
struct AttributionResult {
    bool late = false;
    Credit credit;
    AdEvent event;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AttributionResult, late, credit, event)

const char* kind_name(AdEvent::Kind k) {
    switch (k) {
        case AdEvent::Kind::impression:
            return "impression";
        case AdEvent::Kind::click:
            return "click";
        case AdEvent::Kind::conversion:
            return "conversion";
    }
    return "?";
}

}  // namespace
}  // namespace es::stream::jobs

namespace es::stream {
template <>
struct Serde<jobs::AttributionResult> : JsonSerde<jobs::AttributionResult> {};
}  // namespace es::stream

namespace es::stream::jobs {
namespace {

/// A touch in its user's map: keyed by event time (order-preserving) and id, so that a lookback
/// window is a key range and the times needed for credit come from the keys alone.
std::string touch_key(int64_t ts, std::string_view id) {
    std::string k;
    state::encode_i64(k, ts);
    k.append(id);
    return k;
}

int64_t touch_time(const std::string& key) { return state::load_encoded_i64(key.data()); }

/// What the job keeps of a touch besides its key.
struct TouchRef {
    std::string campaign;
    std::string ad;
};

}  // namespace
}  // namespace es::stream::jobs

namespace es::stream {
template <>
struct Serde<jobs::TouchRef> {
    static void encode(const jobs::TouchRef& t, std::string& out) {
        FieldWriter(out).str(t.campaign).str(t.ad);
    }
    static Result<jobs::TouchRef> decode(std::string_view in) {
        jobs::TouchRef t;
        FieldReader r(in, "touch");
        r.str(t.campaign).str(t.ad);
        ES_CHECK(r.finish());
        return t;
    }
};
}  // namespace es::stream

namespace es::stream::jobs {
namespace {

/// Per user: clicks and impressions in two maps (each kept as long as its lookback), and the
/// conversions waiting for their allowed lateness to pass. A conversion reads only the keys
/// inside its lookback windows, and the values of the touches that get credit.
class Attributor final : public KeyedProcessFunction<std::string, AdEvent, AttributionResult> {
  public:
    explicit Attributor(const Settings& s)
        : s_(s),
          clicks_(this, "clicks", retention(s.click_lookback)),
          views_(this, "impressions", retention(s.view_lookback)),
          pending_(this, "pending") {}

    void process(const AdEvent& e, Context& ctx) override {
        if (saturating_add(e.ts, s_.lateness) <= ctx.watermark()) {
            ctx.emit(AttributionResult{true, {}, e}, e.ts);
            return;
        }
        switch (e.kind) {
            case AdEvent::Kind::conversion:
                pending_.put(touch_key(e.ts, e.id), e);
                ctx.register_event_timer(saturating_add(e.ts, s_.lateness));
                break;
            case AdEvent::Kind::click:
                clicks_.put(touch_key(e.ts, e.id), TouchRef{e.campaign, e.ad});
                break;
            case AdEvent::Kind::impression:
                views_.put(touch_key(e.ts, e.id), TouchRef{e.campaign, e.ad});
                break;
        }
    }

    void on_timer(TimeMs at, TimeDomain, Context& ctx) override {
        std::vector<std::pair<std::string, AdEvent>> due;
        pending_.for_each([&](const std::string& k, const AdEvent& c) {
            if (saturating_add(c.ts, s_.lateness) > at) return false;
            due.emplace_back(k, c);
            return true;
        });
        for (const auto& [k, conversion] : due) {
            attribute(ctx, conversion);
            pending_.remove(k);
        }
    }

  private:
    /// A touch stays until no conversion can still reach it: its lookback, the allowed
    /// lateness of the conversion, and a minute for the watermark's steps.
    std::chrono::milliseconds retention(int64_t lookback) const {
        return std::chrono::milliseconds(lookback + s_.lateness + 60'000);
    }

    /// Keys of the touches in [ts - lookback, ts], oldest first.
    static std::vector<std::string> touches_in(const MapState<std::string, TouchRef>& touches,
                                               int64_t ts, int64_t lookback) {
        std::vector<std::string> keys;
        touches.for_each_key_in(touch_key(saturating_add(ts, -lookback), {}),
                                touch_key(saturating_add(ts, 1), {}), [&](const std::string& k) {
                                    keys.push_back(k);
                                    return true;
                                });
        return keys;
    }

    void attribute(Context& ctx, const AdEvent& c) {
        // Clicks take precedence: view-through credit only for conversions without a click.
        const MapState<std::string, TouchRef>* map = &clicks_;
        const char* touch_type = "click";
        std::vector<std::string> chosen = touches_in(clicks_, c.ts, s_.click_lookback);
        if (chosen.empty()) {
            map = &views_;
            touch_type = "impression";
            chosen = touches_in(views_, c.ts, s_.view_lookback);
        }
        Credit base;
        base.conversion_id = c.id;
        base.user = ctx.key();
        base.model = std::string(model_name(s_.model));
        base.value = c.value;
        base.currency = c.currency;
        base.conversion_ts = c.ts;
        if (chosen.empty()) {
            ctx.emit(AttributionResult{false, base, {}}, c.ts);
            return;
        }
        std::vector<int64_t> times;
        times.reserve(chosen.size());
        for (const std::string& k : chosen) times.push_back(touch_time(k));
        std::vector<double> shares = credits(s_.model, times, c.ts, s_.half_life);
        double usd = to_usd(c.value, c.currency);
        for (size_t i = 0; i < chosen.size(); ++i) {
            if (shares[i] == 0) continue;
            // A touch whose value does not decode was counted as bad state by the store; the
            // credit still goes out, without its campaign, rather than vanish.
            TouchRef ref = map->get(chosen[i]).value_or(TouchRef{});
            Credit credit = base;
            credit.attributed = true;
            credit.touch_id = chosen[i].substr(state::kEncodedI64Size);
            credit.touch_type = touch_type;
            credit.campaign = std::move(ref.campaign);
            credit.ad = std::move(ref.ad);
            credit.credit = shares[i];
            credit.revenue = usd * shares[i];
            credit.touch_ts = times[i];
            ctx.emit(AttributionResult{false, credit, {}}, c.ts);
        }
    }

    Settings s_;
    MapState<std::string, TouchRef> clicks_;
    MapState<std::string, TouchRef> views_;
    MapState<std::string, AdEvent> pending_;
};

std::string stats_json(const Windowed<std::string>& w, const CampaignStats& s) {
    nlohmann::json doc = {
        {"campaign", w.key},
        {"start", w.window.start},
        {"end", w.window.end},
        {"impressions", s.impressions},
        {"clicks", s.clicks},
        {"conversions", s.conversions},
        {"revenue", s.revenue},
        {"ctr", s.impressions ? static_cast<double>(s.clicks) / s.impressions : 0.0},
        {"cvr", s.clicks ? s.conversions / static_cast<double>(s.clicks) : 0.0}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string late_json(const AdEvent& e, const char* stage) {
    nlohmann::json doc = e;
    doc["kind"] = kind_name(e.kind);
    doc["refused_by"] = stage;
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Topology> build(const JobParams& params) {
    ES_TRY(Settings s, read_settings(params));
    ES_TRY(formats::ValueFormat format, formats::read_value_format(params));
    StreamBuilder b("ad-attribution");
    auto options =
        [&](auto event_time,
            const char* type) -> Result<SourceOptions<typename decltype(event_time)::value_type>> {
        using V = typename decltype(event_time)::value_type;
        SourceOptions<V> o;
        ES_TRY(o.value_decoder, formats::value_decoder<V>(
                                    format, [](V& v) { return fields_of(v); }, type));
        o.max_out_of_orderness = s.out_of_orderness;
        // Idleness makes which events are late depend on timing; the credits stay exact for
        // the events that are not, and the late topic records the others.
        o.idle_timeout = s.idle_timeout;
        o.event_time = [](const V& v, TimeMs) { return v.ts; };
        return o;
    };
    ES_TRY(auto impression_options, options(std::optional<Impression>{}, "impression"));
    ES_TRY(auto click_options, options(std::optional<Click>{}, "click"));
    ES_TRY(auto conversion_options, options(std::optional<Conversion>{}, "conversion"));
    auto impressions =
        b.source<std::string, Impression>(s.impressions, impression_options)
            .map_values([](const Impression& i) {
                return AdEvent{
                    AdEvent::Kind::impression, i.impression_id, i.campaign, i.ad, 0, {}, i.ts};
            });
    auto clicks =
        b.source<std::string, Click>(s.clicks, click_options).map_values([](const Click& c) {
            return AdEvent{AdEvent::Kind::click, c.click_id, c.campaign, c.ad, 0, {}, c.ts};
        });
    auto conversions =
        b.source<std::string, Conversion>(s.conversions, conversion_options)
            .map_values([](const Conversion& c) {
                return AdEvent{
                    AdEvent::Kind::conversion, c.conversion_id, {}, {}, c.value, c.currency, c.ts};
            });
    auto unique =
        impressions.merge(clicks)
            .merge(conversions)
            .deduplicate(
                [](const AdEvent& e) { return std::to_string(static_cast<int>(e.kind)) + e.id; },
                std::chrono::milliseconds(s.dedup_within), "dedup");
    unique.late_records()
        .map_values([](const AdEvent& e) { return late_json(e, "dedup"); })
        .to(s.late);

    auto results = unique.process<AttributionResult>(
        [s] { return std::make_unique<Attributor>(s); }, "attribution");
    results.filter([](const AttributionResult& r) { return r.late; })
        .map_values([](const AttributionResult& r) { return late_json(r.event, "attribution"); })
        .to(s.late);
    auto credits = results.filter([](const AttributionResult& r) { return !r.late; })
                       .map_values([](const AttributionResult& r) { return r.credit; });
    credits.to(s.attributed);

    // Per-campaign figures: touches and attributed credit, re-keyed by campaign.
    // Touches are nearly every event: folded per campaign and window inside the task first,
    // they cross the repartition topic as one record per campaign, window and commit.
    auto add = [](const CampaignStats& d, CampaignStats acc) {
        acc.impressions += d.impressions;
        acc.clicks += d.clicks;
        acc.conversions += d.conversions;
        acc.revenue += d.revenue;
        return acc;
    };
    auto touch_stats =
        unique.filter([](const AdEvent& e) { return e.kind != AdEvent::Kind::conversion; })
            .map([](const std::string&, const AdEvent& e) {
                CampaignStats st;
                (e.kind == AdEvent::Kind::click ? st.clicks : st.impressions) = 1;
                return std::pair<std::string, CampaignStats>(e.campaign, st);
            })
            .combine_per_slice(
                s.window, [] { return CampaignStats{}; }, add);
    auto credit_stats = credits.filter([](const Credit& c) { return c.attributed; })
                            .map([](const std::string&, const Credit& c) {
                                CampaignStats st;
                                st.conversions = c.credit;
                                st.revenue = c.revenue;
                                return std::pair<std::string, CampaignStats>(c.campaign, st);
                            });
    auto window = TumblingWindows::of(s.window);
    window.with_allowed_lateness(std::chrono::milliseconds(s.lateness));
    auto stats =
        touch_stats.merge(credit_stats)
            .window(window, "campaign-stats")
            .aggregate([] { return CampaignStats{}; }, add,
                       [add](CampaignStats a, const CampaignStats& c) { return add(c, a); });
    stats
        .map([](const Windowed<std::string>& w, const CampaignStats& st) {
            return std::pair<std::string, std::string>(w.key, stats_json(w, st));
        })
        .to(s.stats);
    stats.late_records()
        .map_values([](const CampaignStats&) { return std::string(R"({"late":true})"); })
        .to(s.late);
    return b.build();
}

}  // namespace

JobInfo ad_attribution_job() {
    return JobInfo{"ad-attribution",
                   "Attributes conversions to impressions and clicks; per-campaign figures.",
                   {{"prefix", "ad-"},
                    {"model", "last-touch"},
                    {"click-lookback", "7d"},
                    {"view-lookback", "1d"},
                    {"half-life", "7d"},
                    {"allowed-lateness", "5s"},
                    {"out-of-orderness", "2s"},
                    {"dedup-within", "1h"},
                    {"window", "1min"},
                    {"idle-timeout", "none"},
                    {"value.format", "json"},
                    {"schema.registry.url", "none"}},
                   build};
}

}  // namespace es::stream::jobs
