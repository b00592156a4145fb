#!/usr/bin/env bash
# Installs everything the build, the tests and the benchmarks need on Debian 12.
# Idempotent: when every package is present it only checks and returns in about a second.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

# Build toolchain and libraries (one line per purpose so a reader sees why each is here).
packages=(
    build-essential cmake ninja-build lld clang-format python3      # toolchain
    libgtest-dev libgmock-dev libbenchmark-dev                        # tests and benchmarks
    libfmt-dev libspdlog-dev                                          # logging
    zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev                   # record batch codecs
    libasio-dev libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev  # broker, CLI
    librdkafka-dev kcat                                               # Kafka client and peer tool
    librocksdb-dev libsimdjson-dev                                    # stream processor state, hot JSON
    libprotobuf-dev libprotoc-dev                                     # .proto schemas (registry)
    libavro-dev                                                       # Avro data (Confluent serdes)
    prometheus-cpp-dev                                                # /metrics text (http/metrics_text)
    redis-server iperf3 curl                                          # benchmark peers and probes (make bench)
    nodejs npm                                                        # npm test peers (kafkajs)
    chromium                                                          # dashboard browser tests (playwright-core)
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        # A tool may come from outside Debian's packages (node on some images); accept it when present.
        case "$p" in
            nodejs) command -v node >/dev/null && continue ;;
            npm) command -v npm >/dev/null && continue ;;
            python3) command -v python3 >/dev/null && continue ;;
        esac
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "install-deps: all Debian packages present"
fi

# npm packages, pinned by their lock files: the test peers (kafkajs, the schema-registry client,
# playwright-core) and the dashboard's front end (uPlot, embedded into the binary at build
# time). Skipped when node_modules already matches the lock.
npm_ci() {
    local dir="$here/$1"
    [ -f "$dir/package-lock.json" ] || return 0
    local stamp="$dir/node_modules/.package-lock.json"
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
        echo "install-deps: npm ci in $1"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
        echo "install-deps: npm packages of $1 present"
    fi
}
npm_ci tests/peers
npm_ci web
