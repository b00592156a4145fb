#include "app/role_server.h"

#include "app/cli_support.h"
#include "base/stop_signals.h"
#include "http/server.h"
#include "serve/config.h"

#include <signal.h>

#include <cstdio>

namespace es::app {

int serve_role(std::string_view command, const std::string& addr, std::string_view addr_option,
               const std::function<RoleRoutes()>& start,
               const std::function<std::string(uint16_t port)>& banner) {
    auto host_port = serve::parse_host_port(addr);
    if (!host_port.ok()) {
        fail(kUsage, command, std::string(addr_option) + ": " + host_port.error().message());
    }
    const sigset_t signals = block_stop_signals();
    RoleRoutes role = start();
    http::HttpServer server;
    role.add_routes(server);
    auto port = server.listen(host_port->host, host_port->port);
    if (!port.ok()) {
        role.stop();
        fail(command, port.error());
    }
    server.start();
    std::fprintf(stderr, "edgestream %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 banner(*port).c_str());
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
    role.stop();
    return 0;
}

}  // namespace es::app
