#include "stream/jobs/ad_events.h"

#include "stream/api/json_fields.h"

namespace es::stream {

Result<jobs::Impression> Serde<jobs::Impression>::decode(std::string_view in) {
    jobs::Impression v;
    const JsonField fields[] = {{"impression_id", &v.impression_id}, {"user", &v.user},
                                {"campaign", &v.campaign},           {"ad", &v.ad},
                                {"creative", &v.creative},           {"ts", &v.ts}};
    ES_CHECK(read_json_object(in, fields, "impression"));
    return v;
}

Result<jobs::Click> Serde<jobs::Click>::decode(std::string_view in) {
    jobs::Click v;
    const JsonField fields[] = {{"click_id", &v.click_id},
                                {"impression_id", &v.impression_id},
                                {"user", &v.user},
                                {"campaign", &v.campaign},
                                {"ad", &v.ad},
                                {"ts", &v.ts}};
    ES_CHECK(read_json_object(in, fields, "click"));
    return v;
}

Result<jobs::Conversion> Serde<jobs::Conversion>::decode(std::string_view in) {
    jobs::Conversion v;
    const JsonField fields[] = {{"conversion_id", &v.conversion_id},
                                {"user", &v.user},
                                {"value", &v.value},
                                {"currency", &v.currency},
                                {"ts", &v.ts}};
    ES_CHECK(read_json_object(in, fields, "conversion"));
    return v;
}

}  // namespace es::stream
