// Replays fuzz inputs without libFuzzer: every file under the directories (or the files) given
// on the command line goes through LLVMFuzzerTestOneInput once. ctest runs it over the captured
// fixtures and the hostile seeds as fuzz_corpus_replay, so the corpus is exercised with g++ on
// every test run; a crash or an abort in the target fails the test.
//   request_decoder_replay DIR_OR_FILE...

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        if (fs::is_directory(arg)) {
            for (const auto& entry : fs::recursive_directory_iterator(arg)) {
                // Skip the READMEs and the script that writes the hand-made seeds.
                const auto ext = entry.path().extension();
                if (entry.is_regular_file() && ext != ".md" && ext != ".py") {
                    inputs.push_back(entry.path());
                }
            }
        } else if (fs::is_regular_file(arg)) {
            inputs.push_back(arg);
        } else {
            std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            return 2;
        }
    }
    std::sort(inputs.begin(), inputs.end());
    if (inputs.empty()) {
        std::fprintf(stderr, "no inputs found\n");
        return 2;
    }
    for (const auto& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
        // A fresh heap copy of exactly the input's size, so that ASan builds catch overreads.
        auto copy = std::make_unique_for_overwrite<uint8_t[]>(std::max<size_t>(data.size(), 1));
        std::copy(data.begin(), data.end(), copy.get());
        LLVMFuzzerTestOneInput(copy.get(), data.size());
    }
    std::printf("replayed %zu inputs through LLVMFuzzerTestOneInput\n", inputs.size());
    return 0;
}
