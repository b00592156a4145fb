#include "registry/service/registry_service.h"

#include "registry/service/kafka_log.h"
#include "registry/service/registry.h"
#include "registry/service/registry_http.h"

#include <utility>

namespace es::registry::service {

struct RegistryService::Impl {
    std::unique_ptr<KafkaLog> log;
    std::unique_ptr<Registry> registry;
    std::unique_ptr<RegistryHttp> http;
};

RegistryService::RegistryService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RegistryService::~RegistryService() { stop(); }

Result<std::unique_ptr<RegistryService>> RegistryService::start(RegistryConfig config) {
    KafkaLogConfig lc;
    lc.cluster = std::move(config.cluster);
    lc.topic = std::move(config.topic);
    lc.writer = config.writer;
    lc.transactional_id = std::move(config.transactional_id);
    lc.replication_factor = config.replication_factor;
    lc.timeout = config.timeout;
    auto impl = std::make_unique<Impl>();
    ES_TRY(impl->log, KafkaLog::make(std::move(lc)));
    impl->registry = std::make_unique<Registry>(*impl->log);
    ES_CHECK(impl->registry->start());
    impl->http = std::make_unique<RegistryHttp>(*impl->registry);
    return std::unique_ptr<RegistryService>(new RegistryService(std::move(impl)));
}

void RegistryService::add_routes(http::HttpServer& server) { impl_->http->add_routes(server); }

void RegistryService::stop() {
    if (impl_->log) impl_->log->stop();
}

}  // namespace es::registry::service
