// edgestream: one binary, one subcommand per role.

#include "app/commands.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"edgestream: a Kafka-compatible broker and stream processor in one binary"};
    app.require_subcommand(1);
    es::app::add_serve_command(app);
    CLI11_PARSE(app, argc, argv);
    return 0;
}
