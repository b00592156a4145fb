# The front door. `make demo` and `make test` work on a fresh Debian 12 machine: each installs
# what is missing (tools/install-deps.sh), builds, then runs.
JOBS ?= 2
BUILD := build
CTEST_ARGS ?=

.PHONY: deps configure build test demo bench format asan check-headers clean

deps:
	@tools/install-deps.sh

configure: deps
	@cmake --preset release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	@$(BUILD)/edgestream demo $(if $(DURATION),--duration $(DURATION),)

# The storage benchmark, the peer and limit comparison (bench/compare.sh), the ad-attribution
# job under load (bench/attribution.sh), then Nexmark (bench/nexmark.sh). QUICK=1: about 4
# minutes in all.
bench: build
	@bench/run.sh $(BUILD)
	@bench/compare.sh $(BUILD) $(if $(QUICK),--quick,)
	@bench/attribution.sh $(BUILD) $(if $(QUICK),--quick,)
	@bench/nexmark.sh $(BUILD) $(if $(QUICK),--quick,)

# Tests under AddressSanitizer and UndefinedBehaviorSanitizer (a separate build tree).
asan: deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

# Compiles every header on its own, to catch headers that do not include what they use.
check-headers: configure
	@tools/check_headers.sh

clean:
	@rm -rf build build-dev build-asan
