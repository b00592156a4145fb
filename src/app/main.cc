// edgestream: one binary, one subcommand per role.

#include "app/commands.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"edgestream: a Kafka-compatible broker and stream processor in one binary"};
    app.require_subcommand(1);
    es::app::add_serve_command(app);
    es::app::add_client_commands(app);
    es::app::add_group_commands(app);
    es::app::add_demo_command(app);
    es::app::add_bench_command(app);
    es::app::add_run_command(app);
    es::app::add_gen_command(app);
    es::app::add_verify_command(app);
    es::app::add_schema_command(app);
    es::app::add_registry_command(app);
    es::app::add_dashboard_command(app);
    // CLI11 reports through exceptions: a command's own failure carries its exit code; any
    // other parse error is a usage error (exit 2) after CLI11 printed what was wrong.
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    return 0;
}
