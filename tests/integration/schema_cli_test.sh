#!/usr/bin/env bash
# `edgestream schema check` as a CI step: exit 0 compatible, 1 incompatible with the reasons,
# 2 for usage errors and invalid schemas; --json for machines; Avro, JSON Schema and Protobuf
# (the type from the extension or --type); references; levels incl. transitive.
#   tests/integration/schema_cli_test.sh path/to/edgestream
set -euo pipefail
bin=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect CODE ARGS...: runs schema check, keeps its output in out.txt, checks the exit code.
expect() {
    local want=$1 rc=0
    shift
    "$bin" schema check "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" -eq "$want" ] || fail "schema check $* exited $rc, wanted $want: $(cat out.txt err.txt)"
}

cat >v1.avsc <<'A'
{"type":"record","name":"Click","namespace":"ads","fields":[{"name":"id","type":"string"},{"name":"ts","type":"long"}]}
A
cat >v2.avsc <<'A'
{"type":"record","name":"Click","namespace":"ads","fields":[{"name":"id","type":"string"},{"name":"ts","type":"long"},{"name":"campaign","type":"string","default":""}]}
A
cat >v3.avsc <<'A'
{"type":"record","name":"Click","namespace":"ads","fields":[{"name":"id","type":"string"},{"name":"ts","type":"long"},{"name":"campaign","type":"string"}]}
A
expect 0 v2.avsc v1.avsc
grep -q "^compatible: v2.avsc against v1.avsc at BACKWARD" out.txt || fail "$(cat out.txt)"
expect 1 v3.avsc v1.avsc
grep -q "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/2: .*campaign" out.txt || fail "$(cat out.txt)"
echo "checked: Avro: a field with a default is backward compatible (0); without, incompatible (1) with rule, path and field"
expect 0 v3.avsc v1.avsc v2.avsc --level BACKWARD
expect 1 v3.avsc v1.avsc v2.avsc --level backward_transitive --json
python3 - out.txt <<'PY' || fail "JSON verdict: $(cat out.txt)"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["compatible"] is False and v["level"] == "BACKWARD_TRANSITIVE" and v["type"] == "AVRO", v
assert v["against"] == ["v1.avsc", "v2.avsc"], v
(issue,) = v["issues"]
assert issue["previous"] == "v1.avsc" and issue["direction"] == "backward", issue
assert issue["rule"] == "READER_FIELD_MISSING_DEFAULT_VALUE" and issue["path"] == "/fields/2", issue
PY
expect 1 v1.avsc v3.avsc --level FULL
expect 0 v3.avsc v1.avsc --level NONE
echo "checked: BACKWARD checks the latest only, BACKWARD_TRANSITIVE all (--json verdict), FULL both ways, NONE nothing"

cat >p1.json <<'J'
{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}
J
cat >p2.json <<'J'
{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}},"additionalProperties":false}
J
expect 0 p2.json p1.json
expect 1 p1.json p2.json
grep -q "^incompatible" out.txt || fail "$(cat out.txt)"
echo "checked: JSON Schema from the .json extension: a closed model gaining a property is backward compatible, losing one is not"

cat >m1.proto <<'P'
syntax = "proto3";
package ads;
import "money.proto";
message Conversion { string id = 1; Money value = 2; }
P
cat >m2.proto <<'P'
syntax = "proto3";
package ads;
import "money.proto";
message Conversion { string id = 1; int64 value = 2; }
P
cat >money.proto <<'P'
syntax = "proto3";
package ads;
message Money { int64 cents = 1; string currency = 2; }
P
expect 0 m1.proto m1.proto --ref money.proto=money.proto
expect 1 m2.proto m1.proto --ref money.proto=money.proto
grep -q "FIELD_KIND_CHANGED\|FIELD_NAMED_TYPE_CHANGED" out.txt || fail "$(cat out.txt)"
echo "checked: Protobuf with an import given by --ref: a message field turned scalar is incompatible"

echo '{"type":"record","name":"X"' >broken.avsc
expect 2 broken.avsc v1.avsc
grep -q "broken.avsc" err.txt || fail "$(cat err.txt)"
echo '{"type":"record","name":"X","fields":[{"name":"a","type":"int","default":"x"}]}' >wrongdefault.avsc
expect 2 wrongdefault.avsc
expect 2 v1.avsc --level SIDEWAYS
expect 2 v1.avsc missing.avsc
expect 2 v1.txt v1.avsc
expect 2 v1.avsc --type xml
expect 2 v1.avsc --registry http://127.0.0.1:1 --subject s v1.avsc
head -c 17000000 /dev/zero >huge.avsc
expect 2 huge.avsc
echo "checked: malformed JSON, a default of the wrong type, an unknown level, a missing file, an unknown extension or type, files with --registry, a 17 MB file: exit 2 with the reason"
expect 2 v1.avsc --registry http://127.0.0.1:1 --subject s
grep -q "registry" err.txt || fail "$(cat err.txt)"
echo "checked: an unreachable registry is exit 2, not a verdict"
