// edgestream verify ad-attribution: reads the job's input and output topics to their ends and
// compares the output with the batch reference (stream/jobs/ads_verify.h).

#include "app/cli_support.h"
#include "app/commands.h"
#include "client/consumer.h"
#include "stream/formats/value_format.h"
#include "stream/jobs/ads_verify.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::app {
namespace {

struct VerifyOptions {
    std::string job;
    Connection connection;
    std::vector<std::string> params;
    int64_t until_ms = -1;
};

/// Every committed value of every partition of `topic`, up to the current end.
Result<std::vector<std::string>> read_topic(const client::ClientConfig& base,
                                            const std::string& topic) {
    client::ClientConfig config = base;
    config.properties["isolation.level"] = "read_committed";
    ES_TRY(auto consumer, client::Consumer::make(config));
    ES_CHECK(consumer->assign(topic, {}, client::StartPosition::beginning()));
    std::vector<std::string> values;
    while (!consumer->at_end()) {
        ES_TRY(auto batch, consumer->poll_batch(10000, std::chrono::milliseconds(500)));
        for (const client::MessageView& m : batch) {
            if (m.value) values.emplace_back(as_string_view(*m.value));
        }
    }
    return values;
}

int verify(const VerifyOptions& o) {
    if (o.job != "ad-attribution")
        fail(kUsage, "verify", "only ad-attribution has a reference check");
    auto parsed = parse_key_values(o.params, "--param");
    if (!parsed.ok()) fail("verify", parsed.error());
    stream::JobParams params(*parsed);
    std::string prefix = params.get("prefix", "ad-");
    client::ClientConfig config = o.connection.config("verify");
    stream::jobs::AdsVerifyInput input;
    auto format = stream::formats::read_value_format(params);
    if (!format.ok()) fail(kUsage, "verify", format.error().message());
    // Framed inputs become JSON text first: the reference reads JSON, its own way.
    std::optional<stream::formats::DatumDecoderFn> decode;
    if (format->framed) {
        auto made = stream::formats::datum_decoder(*format);
        if (!made.ok()) fail(kUsage, "verify", made.error().message());
        decode = std::move(made).value();
    }
    struct Source {
        std::string topic;
        std::vector<std::string>* into;
        bool input = true;
    };
    for (const Source& s :
         {Source{params.get("impressions", prefix + "impressions"), &input.impressions},
          Source{params.get("clicks", prefix + "clicks"), &input.clicks},
          Source{params.get("conversions", prefix + "conversions"), &input.conversions},
          Source{params.get("late", prefix + "late-events"), &input.late_events, false},
          Source{params.get("attributed", prefix + "attributed"), &input.attributed, false}}) {
        auto values = read_topic(config, s.topic);
        if (!values.ok()) fail("verify", values.error());
        *s.into = std::move(values).value();
        if (decode && s.input) {
            for (std::string& value : *s.into) {
                // A value that does not decode stays as it is and counts as malformed.
                if (auto datum = (*decode)(value); datum.ok()) {
                    value = registry::serdes::datum_to_json(*datum);
                }
            }
        }
        std::fprintf(stderr, "read %zu records of %s\n", s.into->size(), s.topic.c_str());
    }
    if (o.until_ms >= 0) input.until = o.until_ms;
    auto report = stream::jobs::verify_ad_attribution(input, params);
    if (!report.ok()) fail(kUsage, "verify", report.error().message());
    std::printf("%s\n", report->summary().c_str());
    for (const std::string& e : report->examples) std::printf("  %s\n", e.c_str());
    return report->ok() ? 0 : kFailure;
}

}  // namespace

void add_verify_command(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* cmd = app.add_subcommand(
        "verify", "Check a job's output against a batch recomputation from its input topics");
    cmd->add_option("job", o->job, "The job (ad-attribution)")->required();
    o->connection.add_to(cmd);
    cmd->add_option("-p,--param", o->params, "The job's parameters KEY=VALUE, as given to run")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cmd->add_option("--until-ms", o->until_ms,
                    "Check only conversions at or before this event time (ms since the epoch)");
    cmd->callback([o] {
        int code = verify(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace es::app
