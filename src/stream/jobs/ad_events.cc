#include "stream/jobs/ad_events.h"

namespace es::stream {

namespace jobs {

std::array<JsonField, 6> fields_of(Impression& v) {
    return {{{"impression_id", &v.impression_id},
             {"user", &v.user},
             {"campaign", &v.campaign},
             {"ad", &v.ad},
             {"creative", &v.creative},
             {"ts", &v.ts}}};
}

std::array<JsonField, 6> fields_of(Click& v) {
    return {{{"click_id", &v.click_id},
             {"impression_id", &v.impression_id},
             {"user", &v.user},
             {"campaign", &v.campaign},
             {"ad", &v.ad},
             {"ts", &v.ts}}};
}

std::array<JsonField, 5> fields_of(Conversion& v) {
    return {{{"conversion_id", &v.conversion_id},
             {"user", &v.user},
             {"value", &v.value},
             {"currency", &v.currency},
             {"ts", &v.ts}}};
}

// The Avro form of the three inputs: the JSON fields with their types; ts is event time.
std::string_view impression_avro_schema() {
    return R"({"type":"record","name":"Impression","namespace":"edgestream.ads","fields":[)"
           R"({"name":"impression_id","type":"string"},{"name":"user","type":"string"},)"
           R"({"name":"campaign","type":"string"},{"name":"ad","type":"string"},)"
           R"({"name":"creative","type":"string"},)"
           R"({"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]})";
}

std::string_view click_avro_schema() {
    return R"({"type":"record","name":"Click","namespace":"edgestream.ads","fields":[)"
           R"({"name":"click_id","type":"string"},{"name":"impression_id","type":"string"},)"
           R"({"name":"user","type":"string"},{"name":"campaign","type":"string"},)"
           R"({"name":"ad","type":"string"},)"
           R"({"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]})";
}

std::string_view conversion_avro_schema() {
    return R"({"type":"record","name":"Conversion","namespace":"edgestream.ads","fields":[)"
           R"({"name":"conversion_id","type":"string"},{"name":"user","type":"string"},)"
           R"({"name":"value","type":"double"},{"name":"currency","type":"string"},)"
           R"({"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]})";
}

}  // namespace jobs

Result<jobs::Impression> Serde<jobs::Impression>::decode(std::string_view in) {
    jobs::Impression v;
    ES_CHECK(read_json_object(in, jobs::fields_of(v), "impression"));
    return v;
}

Result<jobs::Click> Serde<jobs::Click>::decode(std::string_view in) {
    jobs::Click v;
    ES_CHECK(read_json_object(in, jobs::fields_of(v), "click"));
    return v;
}

Result<jobs::Conversion> Serde<jobs::Conversion>::decode(std::string_view in) {
    jobs::Conversion v;
    ES_CHECK(read_json_object(in, jobs::fields_of(v), "conversion"));
    return v;
}

}  // namespace es::stream
