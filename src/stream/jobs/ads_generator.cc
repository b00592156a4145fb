#include "stream/jobs/ads_generator.h"

#include "base/errc.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace es::stream::jobs {

namespace {

/// Creatives per ad: enough for the field to vary, few enough to be repeated within a campaign.
constexpr int kCreativesPerAd = 3;
/// Largest delay mean and lateness accepted: beyond a week the pending queue stops being small.
constexpr int64_t kMaxDelayMs = 7LL * 24 * 3600 * 1000;
/// Population sizes are bounded by the uniform draw (53 bits) and by the id space of ints.
constexpr int kMaxPopulation = 1'000'000'000;

Status invalid(std::string message) {
    return Error(es::Errc::invalid_argument, std::move(message));
}

Status check_probability(double p, const char* name) {
    if (!(p >= 0.0 && p <= 1.0)) {
        return invalid(std::string(name) + " must be a probability in [0, 1], not " +
                       std::to_string(p));
    }
    return ok_status();
}

Status check_count(int64_t n, int64_t min, int64_t max, const char* name) {
    if (n < min || n > max) {
        return invalid(std::string(name) + " must be in [" + std::to_string(min) + ", " +
                       std::to_string(max) + "], not " + std::to_string(n));
    }
    return ok_status();
}

/// The draws, on std::mt19937_64 (whose output the standard fixes bit for bit) and written here,
/// because std::*_distribution differ between standard libraries and versions.
class Rng {
  public:
    explicit Rng(uint64_t seed) : engine_(seed) {}

    /// Uniform in [0, 1), with the 53 bits a double holds.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return uniform() < p; }
    /// Uniform in [0, n), n <= 2^53 (the bias of flooring a scaled double is below 2^-53 · n).
    uint64_t below(uint64_t n) { return static_cast<uint64_t>(uniform() * static_cast<double>(n)); }
    /// Uniform in [lo, hi].
    int64_t between(int64_t lo, int64_t hi) {
        return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
    }
    /// Exponential with this mean, by inversion; at most ~36.7 × mean since 1 - u >= 2^-53.
    int64_t exponential(int64_t mean) {
        double u = 1.0 - uniform();  // (0, 1]: log() is finite
        return static_cast<int64_t>(-std::log(u) * static_cast<double>(mean));
    }

  private:
    std::mt19937_64 engine_;
};

/// Zipf over ranks 1..n with P(k) ∝ k^-s, by rejection-inversion (Hörmann and Derflinger,
/// "Rejection-inversion to generate variates from monotone discrete distributions", 1996):
/// O(1) memory and time whatever n, where a table of the CDF would take 8 bytes per user.
class Zipf {
  public:
    Zipf(int64_t n, double s) : n_(n), s_(s) {
        h_integral_x1_ = h_integral(1.5) - 1.0;
        h_integral_n_ = h_integral(static_cast<double>(n) + 0.5);
        threshold_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
    }

    int64_t sample(Rng& rng) const {
        for (;;) {
            double u = h_integral_n_ + rng.uniform() * (h_integral_x1_ - h_integral_n_);
            double x = h_integral_inverse(u);
            auto k = static_cast<int64_t>(x + 0.5);
            k = std::clamp<int64_t>(k, 1, n_);
            if (static_cast<double>(k) - x <= threshold_ ||
                u >= h_integral(static_cast<double>(k) + 0.5) - h(static_cast<double>(k))) {
                return k;
            }
        }
    }

  private:
    // log1p(x)/x and expm1(x)/x, with their series near 0 where the quotients lose precision.
    static double helper1(double x) {
        return std::abs(x) > 1e-8 ? std::log1p(x) / x
                                  : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
    }
    static double helper2(double x) {
        return std::abs(x) > 1e-8 ? std::expm1(x) / x
                                  : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
    }
    double h(double x) const { return std::exp(-s_ * std::log(x)); }
    double h_integral(double x) const {
        double log_x = std::log(x);
        return helper2((1.0 - s_) * log_x) * log_x;
    }
    double h_integral_inverse(double x) const {
        double t = std::max(x * (1.0 - s_), -1.0);
        return std::exp(helper1(t) * x);
    }

    int64_t n_;
    double s_;
    double h_integral_x1_ = 0;
    double h_integral_n_ = 0;
    double threshold_ = 0;
};

void append_int(std::string& out, int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_id(std::string& out, std::string_view prefix, int64_t n) {
    out.append(prefix);
    append_int(out, n);
}

/// "key":"value", for values made here (ids): nothing to escape.
void append_field(std::string& out, std::string_view key, std::string_view value) {
    out.append("\"").append(key).append("\":\"").append(value).append("\",");
}

}  // namespace

const char* to_string(AdEventType type) {
    switch (type) {
        case AdEventType::impression:
            return "impression";
        case AdEventType::click:
            return "click";
        case AdEventType::conversion:
            return "conversion";
    }
    return "?";
}

Status validate(const AdsGeneratorOptions& o) {
    if (!(o.events_per_second > 0.0 && o.events_per_second <= 1e9)) {
        return invalid("events_per_second must be in (0, 1e9], not " +
                       std::to_string(o.events_per_second));
    }
    ES_CHECK(check_count(o.users, 1, kMaxPopulation, "users"));
    ES_CHECK(check_count(o.campaigns, 1, kMaxPopulation, "campaigns"));
    ES_CHECK(check_count(o.ads_per_campaign, 1, 1000, "ads_per_campaign"));
    if (int64_t{o.campaigns} * o.ads_per_campaign * kCreativesPerAd > kMaxPopulation) {
        return invalid("campaigns × ads_per_campaign must be at most " +
                       std::to_string(kMaxPopulation / kCreativesPerAd));
    }
    if (!(o.zipf_s >= 0.0 && o.zipf_s <= 10.0)) {
        return invalid("zipf_s must be in [0, 10] (0: uniform), not " + std::to_string(o.zipf_s));
    }
    ES_CHECK(check_probability(o.ctr, "ctr"));
    ES_CHECK(check_probability(o.cvr, "cvr"));
    ES_CHECK(check_probability(o.view_through_cvr, "view_through_cvr"));
    ES_CHECK(check_probability(o.late_share, "late_share"));
    ES_CHECK(check_probability(o.duplicate_share, "duplicate_share"));
    if (!(o.unattributed_share >= 0.0 && o.unattributed_share < 1.0)) {
        return invalid("unattributed_share must be in [0, 1), not " +
                       std::to_string(o.unattributed_share));
    }
    ES_CHECK(check_count(o.click_delay_mean_ms, 0, kMaxDelayMs, "click_delay_mean_ms"));
    ES_CHECK(check_count(o.conversion_delay_mean_ms, 0, kMaxDelayMs, "conversion_delay_mean_ms"));
    ES_CHECK(check_count(o.max_disorder_ms, 0, kMaxDelayMs, "max_disorder_ms"));
    ES_CHECK(check_count(o.late_by_ms, 0, kMaxDelayMs, "late_by_ms"));
    // A record held back by no more than the disorder bound would not be late at all.
    if (o.late_share > 0 && o.late_by_ms <= o.max_disorder_ms) {
        return invalid("late_by_ms (" + std::to_string(o.late_by_ms) +
                       ") must exceed max_disorder_ms (" + std::to_string(o.max_disorder_ms) +
                       ") for late records to be late");
    }
    return ok_status();
}

struct AdsGenerator::Impl {
    /// A record on its way: scheduled (`ready` false: id and JSON are made when it is emitted,
    /// so ids follow emission order) or finished (held back late, or a duplicate copy).
    struct Pending {
        int64_t emit_at = 0;
        uint64_t seq = 0;  // ties in emit_at go in scheduling order: deterministic
        bool ready = false;
        bool cause_late = false;  // its cause arrived late, so it may have to as well
        int campaign = 0;         // clicks and held-back impressions
        int ad = 0;
        AdRecord event;
    };
    /// std::push_heap keeps the greatest first: "greater" here means "due later".
    struct DueLater {
        bool operator()(const Pending& a, const Pending& b) const {
            return a.emit_at != b.emit_at ? a.emit_at > b.emit_at : a.seq > b.seq;
        }
    };

    AdsGeneratorOptions o;
    Rng rng;
    Zipf users;
    Zipf campaigns;
    double ms_per_event;
    double unattributed_chance;  // per fresh record, instead of an impression
    uint64_t tick = 0;
    uint64_t seq = 0;
    int64_t next_id[3] = {0, 0, 0};  // per AdEventType
    std::vector<Pending> heap;
    AdsGeneratorStats stats;

    explicit Impl(AdsGeneratorOptions options)
        : o(options),
          rng(options.seed),
          users(options.users, options.zipf_s),
          campaigns(options.campaigns, options.zipf_s),
          ms_per_event(1000.0 / options.events_per_second) {
        // Attributed conversions per impression, and the unattributed ones that make them
        // unattributed_share of all: u / (a + u) = share  =>  u = a · share / (1 - share).
        double attributed = o.ctr * o.cvr + o.view_through_cvr;
        double per_impression = attributed * o.unattributed_share / (1.0 - o.unattributed_share);
        unattributed_chance = per_impression / (1.0 + per_impression);
    }

    int64_t jitter() { return rng.between(0, o.max_disorder_ms); }

    void push(Pending p) {
        p.seq = seq++;
        heap.push_back(std::move(p));
        std::push_heap(heap.begin(), heap.end(), DueLater{});
        stats.max_pending = std::max<uint64_t>(stats.max_pending, heap.size());
    }

    Pending pop() {
        std::pop_heap(heap.begin(), heap.end(), DueLater{});
        Pending p = std::move(heap.back());
        heap.pop_back();
        return p;
    }

    std::string new_id(AdEventType type) {
        static constexpr std::string_view kPrefix[] = {"i-", "k-", "v-"};
        auto i = static_cast<size_t>(type);
        std::string id;
        append_id(id, kPrefix[i], next_id[i]++);
        return id;
    }

    /// `"campaign":"c-<c>","ad":"a-<c>-<a>` (the caller closes the quote).
    static void append_campaign_and_ad(std::string& j, int campaign, int ad) {
        j.append("\"campaign\":\"c-");
        append_int(j, campaign);
        j.append("\",\"ad\":\"a-");
        append_int(j, campaign);
        j += '-';
        append_int(j, ad);
    }

    void impression_json(AdRecord& e, int campaign, int ad) {
        auto creative = (int64_t{campaign} * o.ads_per_campaign + ad) * kCreativesPerAd +
                        static_cast<int64_t>(rng.below(kCreativesPerAd));
        std::string& j = e.json;
        j.reserve(128);
        j = "{";
        append_field(j, "impression_id", e.id);
        append_field(j, "user", e.user);
        append_campaign_and_ad(j, campaign, ad);
        j.append("\",\"creative\":\"cr-");
        append_int(j, creative);
        j.append("\",\"ts\":");
        append_int(j, e.ts);
        j += '}';
    }

    void click_json(AdRecord& e, int campaign, int ad) {
        std::string& j = e.json;
        j.reserve(128);
        j = "{";
        append_field(j, "click_id", e.id);
        append_field(j, "impression_id", e.cause);
        append_field(j, "user", e.user);
        append_campaign_and_ad(j, campaign, ad);
        j.append("\",\"ts\":");
        append_int(j, e.ts);
        j += '}';
    }

    void conversion_json(AdRecord& e) {
        // A basket value with a long tail: $1 plus an exponential of mean $49, in cents, so
        // that it prints with exactly two decimals.
        int64_t cents = 100 + rng.exponential(4900);
        uint64_t pick = rng.below(100);
        const char* currency = pick < 85 ? "USD" : pick < 95 ? "EUR" : "GBP";
        std::string& j = e.json;
        j.reserve(112);
        j = "{";
        append_field(j, "conversion_id", e.id);
        append_field(j, "user", e.user);
        j.append("\"value\":");
        append_int(j, cents / 100);
        j += '.';
        j += static_cast<char>('0' + cents % 100 / 10);
        j += static_cast<char>('0' + cents % 10);
        j.append(",\"currency\":\"").append(currency).append("\",\"ts\":");
        append_int(j, e.ts);
        j += '}';
    }

    /// A new record at the clock: mostly impressions, sometimes an unattributed conversion.
    Pending fresh(int64_t now) {
        Pending p;
        AdRecord& e = p.event;
        e.ts = now - jitter();
        if (rng.chance(unattributed_chance)) {
            e.type = AdEventType::conversion;
            // Users beyond the impression population: certainly never touched.
            append_id(e.user, "u-", o.users + static_cast<int64_t>(rng.below(o.users)));
            e.id = new_id(e.type);
            conversion_json(e);
            return p;
        }
        e.type = AdEventType::impression;
        append_id(e.user, "u-", users.sample(rng) - 1);
        p.campaign = static_cast<int>(campaigns.sample(rng) - 1);
        p.ad = static_cast<int>(rng.below(o.ads_per_campaign));
        e.id = new_id(e.type);
        impression_json(e, p.campaign, p.ad);
        return p;
    }

    /// Gives a scheduled click or conversion its id and JSON, now that it is emitted.
    void finish(Pending& p, int64_t now) {
        AdRecord& e = p.event;
        if (e.ts < now - o.max_disorder_ms) {
            // Behind the disorder bound: late because its cause was; otherwise it waited behind
            // other due records (a burst at a low rate), and happens as late as the bound allows.
            if (p.cause_late) {
                e.late = true;
            } else {
                e.ts = now - o.max_disorder_ms;
            }
        }
        e.id = new_id(e.type);
        if (e.type == AdEventType::click) {
            click_json(e, p.campaign, p.ad);
        } else {
            conversion_json(e);
        }
    }

    /// Holds a late_share of the records back by late_by_ms; true when `p` was held.
    bool hold_back(Pending& p, int64_t now) {
        if (!rng.chance(o.late_share) || p.event.late) return false;
        p.event.late = true;
        p.ready = true;
        p.emit_at = now + o.late_by_ms;
        push(std::move(p));
        return true;
    }

    /// What follows an original record, drawn as it is emitted: after its ts, and after it.
    void schedule_consequences(const Pending& p, int64_t now) {
        const AdRecord& e = p.event;
        auto follow = [&](AdEventType type, int64_t mean) {
            Pending next;
            next.event.type = type;
            next.event.user = e.user;
            next.event.cause = e.id;
            next.event.ts = e.ts + rng.exponential(mean);
            next.emit_at = std::max(now, next.event.ts + jitter());
            next.cause_late = e.late;
            next.campaign = p.campaign;
            next.ad = p.ad;
            push(std::move(next));
        };
        if (e.type == AdEventType::impression) {
            if (rng.chance(o.ctr)) follow(AdEventType::click, o.click_delay_mean_ms);
            if (rng.chance(o.view_through_cvr))
                follow(AdEventType::conversion, o.conversion_delay_mean_ms);
        } else if (e.type == AdEventType::click) {
            if (rng.chance(o.cvr)) follow(AdEventType::conversion, o.conversion_delay_mean_ms);
        }
        if (rng.chance(o.duplicate_share)) {
            // Soon after, and no further than the disorder bound allows for its ts (a late
            // record's copy is late too: within the bound of its own emission).
            Pending copy;
            copy.ready = true;
            copy.event = e;
            copy.event.duplicate = true;
            int64_t room = e.late ? o.max_disorder_ms : e.ts + o.max_disorder_ms - now;
            copy.emit_at = now + rng.between(0, std::max<int64_t>(room, 0));
            push(std::move(copy));
        }
    }

    AdRecord emit(Pending&& p, int64_t now) {
        AdRecord& e = p.event;
        if (e.duplicate) {
            // Only a copy that waited behind a burst can be past the bound: then it is late.
            if (e.ts < now - o.max_disorder_ms) e.late = true;
            ++stats.duplicates;
        } else {
            schedule_consequences(p, now);
            if (e.type == AdEventType::conversion) {
                if (e.cause.empty()) {
                    ++stats.unattributed_conversions;
                } else if (e.cause[0] == 'k') {
                    ++stats.click_conversions;
                } else {
                    ++stats.view_through_conversions;
                }
            }
        }
        ++stats.events;
        switch (e.type) {
            case AdEventType::impression:
                ++stats.impressions;
                break;
            case AdEventType::click:
                ++stats.clicks;
                break;
            case AdEventType::conversion:
                ++stats.conversions;
                break;
        }
        if (e.late) ++stats.late;
        stats.pending = heap.size();
        return std::move(e);
    }

    AdRecord next() {
        const int64_t now =
            o.start_ms + static_cast<int64_t>(static_cast<double>(tick++) * ms_per_event);
        stats.clock_ms = now;
        for (;;) {
            if (!heap.empty() && heap.front().emit_at <= now) {
                Pending p = pop();
                if (p.ready) return emit(std::move(p), now);
                finish(p, now);
                if (hold_back(p, now)) continue;
                return emit(std::move(p), now);
            }
            Pending p = fresh(now);
            if (hold_back(p, now)) continue;
            return emit(std::move(p), now);
        }
    }
};

AdsGenerator::AdsGenerator(AdsGeneratorOptions options) {
    assert(validate(options).ok());
    impl_ = std::make_unique<Impl>(options);
}

AdsGenerator::~AdsGenerator() = default;
AdsGenerator::AdsGenerator(AdsGenerator&&) noexcept = default;
AdsGenerator& AdsGenerator::operator=(AdsGenerator&&) noexcept = default;

AdRecord AdsGenerator::next() { return impl_->next(); }

const AdsGeneratorStats& AdsGenerator::stats() const { return impl_->stats; }

const AdsGeneratorOptions& AdsGenerator::options() const { return impl_->o; }

}  // namespace es::stream::jobs
