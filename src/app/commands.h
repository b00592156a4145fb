#pragma once

namespace CLI {
class App;
}

namespace es::app {

// One function per group of subcommands; each adds its commands to the CLI. A command that
// fails throws CLI::RuntimeError(exit code), which main() turns into the process exit code.
void add_serve_command(CLI::App& app);        // serve_command.cc
void add_client_commands(CLI::App& app);      // client_commands.cc: topic, produce, consume
void add_group_commands(CLI::App& app);       // group_commands.cc: group list/describe/...
void add_demo_command(CLI::App& app);         // demo_command.cc
void add_bench_command(CLI::App& app);        // bench_command.cc: bench produce|consume|e2e
void add_run_command(CLI::App& app);          // run_command.cc: run a stream-processing job
void add_gen_command(CLI::App& app);          // gen_command.cc: gen ads (synthetic traffic)
void add_gen_nexmark_command(CLI::App& gen);  // gen_nexmark_command.cc: under `gen`
void add_verify_command(CLI::App& app);       // verify_command.cc: verify ad-attribution
void add_schema_command(CLI::App& app);       // schema_command.cc: schema check
void add_registry_command(CLI::App& app);     // registry_command.cc: registry
void add_dashboard_command(CLI::App& app);    // dashboard_command.cc: dashboard

}  // namespace es::app
