#pragma once
namespace CLI {
class App;
}
namespace es::app {
void add_serve_command(CLI::App& app);    // serve_command.cc (another engineer)
void add_client_commands(CLI::App& app);  // client_commands.cc
}  // namespace es::app
