#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "demo") == 0) {
        std::puts("edgestream demo: the broker is not built yet (issue #3).");
        return 0;
    }
    std::puts("usage: edgestream <command>");
    return argc > 1 ? 2 : 0;
}
