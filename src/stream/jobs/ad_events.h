#pragma once

// The ad events of the attribution job as they are on the topics (JSON, keyed by user), and
// what the job writes. Shared by the job, its tests and the generator's consumers.

#include "stream/api/json_fields.h"
#include "stream/api/serde_json.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace es::stream::jobs {

struct Impression {
    std::string impression_id;
    std::string user;
    std::string campaign;
    std::string ad;
    std::string creative;
    int64_t ts = 0;
};

struct Click {
    std::string click_id;
    std::string impression_id;
    std::string user;
    std::string campaign;
    std::string ad;
    int64_t ts = 0;
};

struct Conversion {
    std::string conversion_id;
    std::string user;
    double value = 0;
    std::string currency = "USD";
    int64_t ts = 0;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Impression, impression_id, user, campaign, ad, creative, ts)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Click, click_id, impression_id, user, campaign, ad, ts)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Conversion, conversion_id, user, value, currency, ts)

/// Each input's fields with `v`'s members as targets: its JSON Serde and its framed formats
/// (stream/formats) read through the same list.
std::array<JsonField, 6> fields_of(Impression& v);
std::array<JsonField, 6> fields_of(Click& v);
std::array<JsonField, 5> fields_of(Conversion& v);

/// The inputs' Avro schemas, as `edgestream gen ads --value-format avro` registers them.
std::string_view impression_avro_schema();
std::string_view click_avro_schema();
std::string_view conversion_avro_schema();

/// A touch (an impression or a click) or a conversion of one user: the three inputs merged
/// into one stream for the per-user attribution function.
struct AdEvent {
    enum class Kind : int { impression = 0, click = 1, conversion = 2 };
    Kind kind = Kind::impression;
    std::string id;
    std::string campaign;  // touches
    std::string ad;        // touches
    double value = 0;      // conversions
    std::string currency;  // conversions
    int64_t ts = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AdEvent, kind, id, campaign, ad, value, currency, ts)

/// One record of the attributed-conversions topic: a credited touch of a conversion, or the
/// conversion alone when no touch was inside the lookback windows (attributed = false).
struct Credit {
    std::string conversion_id;
    std::string user;
    bool attributed = false;
    std::string model;
    std::string touch_id;    // empty when unattributed
    std::string touch_type;  // "click" or "impression"
    std::string campaign;
    std::string ad;
    double credit = 0;   // the touch's share of the conversion, 0..1
    double revenue = 0;  // value * credit, in USD
    double value = 0;    // the conversion's value in its currency
    std::string currency;
    int64_t conversion_ts = 0;
    int64_t touch_ts = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Credit, conversion_id, user, attributed, model, touch_id,
                                   touch_type, campaign, ad, credit, revenue, value, currency,
                                   conversion_ts, touch_ts)

/// Per-campaign figures of one window.
struct CampaignStats {
    int64_t impressions = 0;
    int64_t clicks = 0;
    double conversions = 0;  // attributed credit: fractional under multi-touch models
    double revenue = 0;      // USD
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CampaignStats, impressions, clicks, conversions, revenue)

}  // namespace es::stream::jobs

namespace es::stream {
// The inputs: written as JSON, read with simdjson (json_fields.h), every field required.
template <>
struct Serde<jobs::Impression> {
    static void encode(const jobs::Impression& v, std::string& out) {
        JsonSerde<jobs::Impression>::encode(v, out);
    }
    static Result<jobs::Impression> decode(std::string_view in);
};
template <>
struct Serde<jobs::Click> {
    static void encode(const jobs::Click& v, std::string& out) {
        JsonSerde<jobs::Click>::encode(v, out);
    }
    static Result<jobs::Click> decode(std::string_view in);
};
template <>
struct Serde<jobs::Conversion> {
    static void encode(const jobs::Conversion& v, std::string& out) {
        JsonSerde<jobs::Conversion>::encode(v, out);
    }
    static Result<jobs::Conversion> decode(std::string_view in);
};
/// Binary: AdEvent lives in state only (pending conversions), never on a topic.
template <>
struct Serde<jobs::AdEvent> {
    static void encode(const jobs::AdEvent& e, std::string& out) {
        FieldWriter(out)
            .u8(static_cast<uint8_t>(e.kind))
            .str(e.id)
            .str(e.campaign)
            .str(e.ad)
            .f64(e.value)
            .str(e.currency)
            .i64(e.ts);
    }
    static Result<jobs::AdEvent> decode(std::string_view in) {
        jobs::AdEvent e;
        uint8_t kind = 0;
        FieldReader r(in, "ad event");
        r.u8(kind).str(e.id).str(e.campaign).str(e.ad).f64(e.value).str(e.currency).i64(e.ts);
        ES_CHECK(r.finish());
        if (kind > static_cast<uint8_t>(jobs::AdEvent::Kind::conversion)) {
            return Error(Errc::bad_record, "ad event: unknown kind " + std::to_string(kind));
        }
        e.kind = static_cast<jobs::AdEvent::Kind>(kind);
        return e;
    }
};
template <>
struct Serde<jobs::Credit> : JsonSerde<jobs::Credit> {};
/// Binary: CampaignStats crosses the repartition topic and lives in window state only.
template <>
struct Serde<jobs::CampaignStats> {
    static void encode(const jobs::CampaignStats& c, std::string& out) {
        FieldWriter(out).i64(c.impressions).i64(c.clicks).f64(c.conversions).f64(c.revenue);
    }
    static Result<jobs::CampaignStats> decode(std::string_view in) {
        jobs::CampaignStats c;
        FieldReader r(in, "campaign stats");
        r.i64(c.impressions).i64(c.clicks).f64(c.conversions).f64(c.revenue);
        ES_CHECK(r.finish());
        return c;
    }
};
}  // namespace es::stream
