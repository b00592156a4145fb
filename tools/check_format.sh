#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what .clang-format makes of it (`make format` fixes).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc')
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/check_format.$$; then
    grep 'error:' /tmp/check_format.$$ | cut -d: -f1 | sort -u | sed 's/^/check_format: not formatted: /'
    rm -f /tmp/check_format.$$
    exit 1
fi
rm -f /tmp/check_format.$$
echo "check_format: ${#files[@]} files match .clang-format"
