# Sourced by the bench/*.sh scripts: their shared command line (BUILD_DIR [--quick]) and helpers.
# Sets: name (the script's), build (absolute), quick (0 or 1), es (the binary). Provides: usage,
# die, free_port.
name=${0##*/}
usage() { echo "usage: bench/$name BUILD_DIR [--quick]" >&2; exit 2; }
die() { echo "$name: $*" >&2; exit 1; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

[[ $# -ge 1 ]] || usage
build_arg=$1
shift
quick=0
for a in "$@"; do
    case $a in
        --quick) quick=1 ;;
        *) usage ;;
    esac
done
build=$(cd "$build_arg" 2>/dev/null && pwd) || die "no build directory $build_arg"
es=$build/edgestream
