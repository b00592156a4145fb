#!/usr/bin/env bash
# The operator CLI for consumer groups (edgestream group list|describe|reset-offsets|delete|
# delete-offsets, over client/Admin) against `edgestream serve`, with kcat -G as the member.
#   tests/integration/group_cli_test.sh path/to/edgestream
set -euo pipefail

source "$(dirname "$0")/serve_fixture.sh" "$1"
es() { "$bin" "$@" --brokers "$brokers"; }
kcat_pid=
cleanup() {
    if [ -n "$kcat_pid" ]; then kill -KILL "$kcat_pid" 2>/dev/null || true; fi
    fixture_cleanup
}
trap cleanup EXIT

# Retries `$@` (a check) for up to 30 s.
eventually() {
    for _ in $(seq 1 150); do
        if "$@"; then return 0; fi
        sleep 0.2
    done
    "$@"
}
# The describe line of a partition: TOPIC PARTITION CURRENT LOG-END LAG ...
# (Output is captured first: grep -q exiting early under pipefail would fail the pipeline.)
offsets_are() { # partition current log-end lag
    local out
    out=$(es group describe g1 2>/dev/null) || return 1
    grep -qE "^gtopic +$1 +$2 +$3 +$4( |$)" <<<"$out"
}

es topic create gtopic --partitions 2 >/dev/null || fail "topic create"
seq 1 20 | es produce gtopic -p 0 2>/dev/null || fail "produce to partition 0"
seq 1 5 | es produce gtopic -p 1 2>/dev/null || fail "produce to partition 1"

# kcat -G: a balanced consumer in group g1 that commits what it reads every 100 ms.
start_kcat() {
    kcat -b "$brokers" -G g1 -q -u -X client.id=kcat-g1 -X auto.offset.reset=earliest \
        -X auto.commit.interval.ms=100 -X session.timeout.ms=6000 gtopic \
        >>"$dir/kcat.out" 2>>"$dir/kcat.err" &
    kcat_pid=$!
}
start_kcat
eventually offsets_are 0 20 20 0 || fail "offsets of p0 never committed: $(es group describe g1 2>&1; cat "$dir/kcat.err")"
eventually offsets_are 1 5 5 0 || fail "offsets of p1 never committed: $(es group describe g1 2>&1)"
es group list >"$dir/list.txt" || fail "group list"
grep -qE "^g1 +Stable +consumer" "$dir/list.txt" || fail "group list: $(cat "$dir/list.txt")"
es group describe g1 >"$dir/describe.txt" || fail "group describe"
grep -qE "^STATE +Stable$" "$dir/describe.txt" || fail "describe state: $(cat "$dir/describe.txt")"
grep -qE "^MEMBERS +1$" "$dir/describe.txt" || fail "describe members: $(cat "$dir/describe.txt")"
grep -qE "kcat-g1 +2 +gtopic:0,1$" "$dir/describe.txt" || fail "describe member row: $(cat "$dir/describe.txt")"
grep -qE "^gtopic +0 +20 +20 +0 +[^ ]+ +[^ ]+ +kcat-g1 " "$dir/describe.txt" ||
    fail "describe partition row: $(cat "$dir/describe.txt")"
echo "checked: group list and describe with an active kcat member (members, offsets, lag 0)"

# A broker restart: the committed offsets come back from __consumer_offsets. kcat itself exits
# when every broker connection is down (its own rule, with Kafka too), so it is started again
# and must carry on from the commits, not from the beginning.
restart_serve
eventually offsets_are 0 20 20 0 && offsets_are 1 5 5 0 ||
    fail "offsets lost in the restart: $(es group describe g1 2>&1)"
wait "$kcat_pid" 2>/dev/null || true
lines_before=$(wc -l <"$dir/kcat.out")
seq 6 8 | es produce gtopic -p 1 2>/dev/null || fail "produce after the restart"
start_kcat
eventually offsets_are 1 8 8 0 ||
    fail "kcat -G did not carry on after the restart: $(es group describe g1 2>&1; cat "$dir/kcat.err")"
[ $(($(wc -l <"$dir/kcat.out") - lines_before)) -eq 3 ] ||
    fail "after the restart kcat read $(($(wc -l <"$dir/kcat.out") - lines_before)) records, not the 3 new ones"
echo "checked: offsets survived a broker restart; kcat -G resumed at them (3 new records read)"

# While the member is active, reset-offsets and delete are refused with exit code 1.
set +e
es group reset-offsets g1 --topic gtopic --to-earliest >/dev/null 2>"$dir/err.txt"; code=$?
set -e
[ "$code" -eq 1 ] || fail "reset-offsets of an active group exited $code"
grep -q "Stable" "$dir/err.txt" && grep -q "stop its consumers" "$dir/err.txt" ||
    fail "no clear error for resetting an active group: $(cat "$dir/err.txt")"
set +e
es group delete g1 >/dev/null 2>"$dir/err.txt"; code=$?
set -e
[ "$code" -eq 1 ] || fail "deleting an active group exited $code"
grep -q "NON_EMPTY_GROUP" "$dir/err.txt" || fail "delete of an active group: $(cat "$dir/err.txt")"
echo "checked: reset-offsets and delete refused while a member is active (exit 1)"

# The member leaves; new records show up as lag.
kill -TERM "$kcat_pid"
wait "$kcat_pid" || true
kcat_pid=
group_is_empty() {
    local out
    out=$(es group list 2>/dev/null) || return 1
    grep -qE "^g1 +Empty" <<<"$out"
}
eventually group_is_empty || fail "group never became Empty: $(es group list 2>&1)"
seq 1 3 | es produce gtopic -p 0 2>/dev/null || fail "produce more"
offsets_are 0 20 23 3 || fail "lag not shown: $(es group describe g1 2>&1)"
echo "checked: after kcat left, the group is Empty and describe shows lag 3"

# reset-offsets: a dry run changes nothing; then to the earliest, to an offset on one partition.
es group reset-offsets g1 --topic gtopic --to-earliest --dry-run >"$dir/dry.txt" || fail "dry run"
grep -qE "^gtopic +0 +20 +0$" "$dir/dry.txt" && grep -q "dry run" "$dir/dry.txt" ||
    fail "dry run output: $(cat "$dir/dry.txt")"
offsets_are 0 20 23 3 || fail "the dry run changed the offsets: $(es group describe g1 2>&1)"
es group reset-offsets g1 --topic gtopic --to-earliest >"$dir/reset.txt" || fail "reset-offsets"
offsets_are 0 0 23 23 && offsets_are 1 0 8 8 || fail "after --to-earliest: $(es group describe g1 2>&1)"
es group reset-offsets g1 --topic gtopic --to-offset 7 -p 0 >/dev/null || fail "reset to offset"
offsets_are 0 7 23 16 && offsets_are 1 0 8 8 || fail "after --to-offset 7 -p 0: $(es group describe g1 2>&1)"
es group reset-offsets g1 --topic gtopic --to-latest >/dev/null || fail "reset to latest"
offsets_are 0 23 23 0 || fail "after --to-latest: $(es group describe g1 2>&1)"
echo "checked: reset-offsets --dry-run, --to-earliest, --to-offset on one partition, --to-latest"

set +e
es group reset-offsets g1 --topic gtopic >/dev/null 2>&1; code=$?
set -e
[ "$code" -eq 2 ] || fail "reset-offsets without a target exited $code, not 2"
echo "checked: reset-offsets without --to-* -> exit 2"

# delete-offsets for one partition, then delete the group.
es group delete-offsets g1 --topic gtopic -p 1 >/dev/null || fail "delete-offsets"
out=$(es group describe g1) || fail "describe after delete-offsets"
grep -qE "^gtopic +1 " <<<"$out" && fail "p1 offsets still there: $out"
es group delete g1 >/dev/null || fail "group delete"
out=$(es group list) || fail "group list after delete"
grep -qE "^g1 " <<<"$out" && fail "g1 still listed: $out"
set +e
es group describe g1 >/dev/null 2>"$dir/err.txt"; code=$?
set -e
[ "$code" -eq 1 ] && grep -q "does not exist" "$dir/err.txt" ||
    fail "describe of a deleted group: exit $code, $(cat "$dir/err.txt")"
echo "checked: delete-offsets, delete; a deleted group is gone"

stop_serve
