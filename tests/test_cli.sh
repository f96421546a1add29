#!/usr/bin/env bash
# The imitate command line end to end: every subcommand on tiny budgets, then the error paths. An error must
# exit non-zero (not by a signal), print exactly one line on stderr starting "imitate: error:" (no stack
# trace, no "terminate called"), and leave no output file behind.
# Usage: test_cli.sh <source_dir> <build_dir>
set -u
SRC=$(cd "${1:?source dir}" && pwd) || exit 1
BUILD=$(cd "${2:?build dir}" && pwd) || exit 1
BIN="$BUILD/apps/imitate"
FIX="$SRC/tests/fixtures"
[ -x "$BIN" ] || { echo "no $BIN (configure with -Dapps=true)"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/imitate_cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

failures=0
cases=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ok NAME CMD...: exits 0; stdout in $TMP/out.txt
ok() {
    local name=$1
    shift
    cases=$((cases + 1))
    "$BIN" --quiet "$@" >out.txt 2>err.txt
    local rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name: exit $rc: $BIN $*"
        sed 's/^/    stderr: /' err.txt | head -5
        return 1
    fi
    echo "ok   $name"
}

# err NAME FILE_THAT_MUST_NOT_EXIST CMD...: fails cleanly with one "imitate: error:" line
err() {
    local name=$1 must_not_exist=$2
    shift 2
    cases=$((cases + 1))
    if [ -n "$must_not_exist" ]; then rm -rf "$must_not_exist"; fi
    "$BIN" "$@" >out.txt 2>err.txt
    local rc=$?
    local lines
    lines=$(wc -l <err.txt)
    local bad=""
    if [ $rc -eq 0 ]; then bad="exit 0"; fi
    if [ $rc -ge 128 ]; then bad="killed by a signal (exit $rc)"; fi
    if [ "$lines" -ne 1 ]; then bad="$bad; $lines stderr lines"; fi
    if ! head -c 15 err.txt | grep -q '^imitate: error:'; then bad="$bad; stderr does not start with 'imitate: error:'"; fi
    if grep -qiE 'terminate called|what\(\)|Aborted|stack|Segmentation' err.txt out.txt; then bad="$bad; crash text"; fi
    if [ -n "$must_not_exist" ] && [ -e "$must_not_exist" ]; then bad="$bad; left $must_not_exist behind"; fi
    if [ -n "$bad" ]; then
        fail "$name: ${bad#; }: $BIN $*"
        sed 's/^/    stderr: /' err.txt | head -5
        return 1
    fi
    echo "ok   $name: $(cat err.txt)"
}

# ----------------------------------------------------------------------------------------- happy paths
ok "--help" --help && grep -q "collect" out.txt || fail "--help lists no subcommands"
ok "train --help" train --help && grep -q -- "--stride" out.txt || fail "train --help lacks --stride"

ok "collect" collect --expert swingup --episodes 3 --seed 1 --out d.npz
[ -s d.npz ] || fail "collect wrote no d.npz"
ok "collect with noise" collect --expert pd --episodes 2 --noise 0.3 --out noisy.npz
[ -s noisy.npz ] || fail "collect --noise wrote no noisy.npz"

ok "train H=1" train --data d.npz --epochs 2 --hidden 32,32 --out p.safetensors
[ -s p.safetensors ] || fail "train wrote no p.safetensors"
ok "train H=4 stride H" train --data d.npz --epochs 2 --hidden 32,32 --chunk 4 --stride H --out p4.safetensors
[ -s p4.safetensors ] || fail "train wrote no p4.safetensors"
ok "train H=4 stride 1, normalised, tanh" train --data d.npz --epochs 2 --hidden 16 --chunk 4 --stride 1 --normalize \
    --activation tanh --out p4n.safetensors

ok "eval policy" eval --policy p.safetensors --episodes 5 && grep -q "p.safetensors" out.txt || fail "eval table lacks the policy name"
ok "eval expert --json" eval --expert swingup --episodes 5 --json
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"aggregated", "per_episode"}, d.keys()
assert d["aggregated"]["episodes"] == 5, d["aggregated"]
assert len(d["per_episode"]) == 5
assert 0 <= d["aggregated"]["success_rate"] <= 1
assert [e["episode"] for e in d["per_episode"]] == list(range(5))
' out.txt || fail "eval --json output is not the expected JSON"
else
    grep -q '"aggregated"' out.txt && grep -q '"per_episode"' out.txt || fail "eval --json lacks its keys"
fi
ok "eval H=4 receding:2" eval --policy p4.safetensors --episodes 5 --exec receding:2
ok "eval H=4 ensemble:0.01" eval --policy p4.safetensors --episodes 5 --exec ensemble:0.01
ok "eval H=4 open" eval --policy p4n.safetensors --episodes 3 --exec open

ok "predict H=1" predict --policy p.safetensors --obs 1,0,0
[ "$(wc -l <out.txt)" -eq 1 ] || fail "predict H=1 printed $(wc -l <out.txt) lines, expected 1"
ok "predict H=4" predict --policy p4.safetensors --obs 1,0,0
[ "$(wc -l <out.txt)" -eq 4 ] || fail "predict H=4 printed $(wc -l <out.txt) lines, expected 4"
grep -qvE '^-?[0-9.e+-]+$' out.txt && fail "predict printed a non-number: $(cat out.txt)"
ok "predict torch fixture" predict --policy "$FIX/torch_bcpolicy_h4.safetensors" --obs 1,0,0
# torch's outputs for (1,0,0): the fixture's first data row
expected=$(grep -v '^#' "$FIX/torch_bcpolicy_h4_outputs.txt" | head -1 | cut -d' ' -f4-)
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import sys
got = [float(x) for x in open(sys.argv[1]).read().split()]
want = [float(x) for x in sys.argv[2].split()]
assert len(got) == len(want) == 4 and all(abs(a - b) <= 1e-5 for a, b in zip(got, want)), (got, want)
' out.txt "$expected" || fail "predict on the torch fixture differs from torch's outputs"
fi

ok "dagger" dagger --expert swingup --rounds 2 --episodes-per-round 2 --epochs 2 --hidden 32,32 --eval-episodes 5 --out dg
for f in dg/policy.safetensors dg/data.npz dg/rounds.csv; do [ -s "$f" ] || fail "dagger wrote no $f"; done
[ "$(wc -l <dg/rounds.csv)" -eq 3 ] || fail "dg/rounds.csv has $(wc -l <dg/rounds.csv) lines, expected header + 2 rounds"
head -1 dg/rounds.csv | grep -q '^round,beta,new_labels,total_labels' || fail "dg/rounds.csv header: $(head -1 dg/rounds.csv)"
sed -n 3p dg/rounds.csv | grep -q '^2,0,400,800,' || fail "dg/rounds.csv round 2: $(sed -n 3p dg/rounds.csv)"
ok "train on dagger data" train --data dg/data.npz --epochs 1 --hidden 8 --out fromdg.safetensors
ok "eval dagger policy" eval --policy dg/policy.safetensors --episodes 2

# ----------------------------------------------------------------------------------------- error paths
err "unknown subcommand" "" frobnicate
err "no subcommand" ""
err "unknown flag" x.npz collect --expert swingup --episodes 3 --out x.npz --bogus 1
err "missing required --episodes" x.npz collect --expert swingup --out x.npz
err "missing required --out" "" collect --expert swingup --episodes 3
err "--episodes -3" x.npz collect --expert swingup --episodes -3 --out x.npz
err "--episodes abc" x.npz collect --expert swingup --episodes abc --out x.npz
err "--episodes 0 (eval)" "" eval --expert swingup --episodes 0
err "--expert foo (collect)" x.npz collect --expert foo --episodes 3 --out x.npz
err "--expert foo (eval)" "" eval --expert foo --episodes 2
err "--expert foo (dagger)" xdg dagger --expert foo --rounds 1 --out xdg
err "--beta foo (dagger)" xdg dagger --expert swingup --rounds 1 --beta foo --out xdg
err "--exec receding:9 on H=4" "" eval --policy p4.safetensors --episodes 2 --exec receding:9
err "--exec receding:0" "" eval --policy p4.safetensors --episodes 2 --exec receding:0
err "--exec bogus" "" eval --policy p4.safetensors --episodes 2 --exec bogus
err "--exec ensemble:-1" "" eval --policy p4.safetensors --episodes 2 --exec ensemble:-1
err "--exec ensemble:abc" "" eval --policy p4.safetensors --episodes 2 --exec ensemble:abc
err "--hidden 0,5" x.safetensors train --data d.npz --epochs 1 --hidden 0,5 --out x.safetensors
err "--hidden 32,,32" x.safetensors train --data d.npz --epochs 1 --hidden 32,,32 --out x.safetensors
err "--hidden abc" x.safetensors train --data d.npz --epochs 1 --hidden abc --out x.safetensors
err "--stride 0" x.safetensors train --data d.npz --epochs 1 --chunk 4 --stride 0 --out x.safetensors
err "--stride -2" x.safetensors train --data d.npz --epochs 1 --chunk 4 --stride -2 --out x.safetensors
err "--chunk 0" x.safetensors train --data d.npz --epochs 1 --chunk 0 --out x.safetensors
err "--activation foo" x.safetensors train --data d.npz --epochs 1 --activation foo --out x.safetensors
err "--lr 0" x.safetensors train --data d.npz --epochs 1 --lr 0 --out x.safetensors
err "--obs 1,2 (wrong dimension)" "" predict --policy p.safetensors --obs 1,2
err "--obs 1,nan,0" "" predict --policy p.safetensors --obs 1,nan,0
err "--obs 1,inf,0" "" predict --policy p.safetensors --obs 1,inf,0
err "--obs 1,,0" "" predict --policy p.safetensors --obs 1,,0
err "missing data file" x.safetensors train --data nope.npz --out x.safetensors
err "missing policy file (eval)" "" eval --policy nope.safetensors --episodes 2
err "missing policy file (predict)" "" predict --policy nope.safetensors --obs 1,0,0
err "directory as --data" x.safetensors train --data "$TMP" --out x.safetensors
grep -q "is a directory" err.txt || fail "directory as --data: message does not say so: $(cat err.txt)"
err "directory as --policy" "" eval --policy "$TMP" --episodes 2
grep -q "is a directory" err.txt || fail "directory as --policy: message does not say so: $(cat err.txt)"
err "npz as --policy" "" eval --policy d.npz --episodes 2
err "safetensors as --data" x.safetensors train --data p.safetensors --out x.safetensors
err "--out into a missing directory (collect)" missing collect --expert swingup --episodes 1 --out missing/d.npz
err "--out into a missing directory (train)" missing train --data d.npz --epochs 1 --hidden 8 --out missing/p.safetensors
err "eval with neither --policy nor --expert" "" eval --episodes 2
err "eval with both --policy and --expert" "" eval --policy p.safetensors --expert pd --episodes 2
err "predict without --obs" "" predict --policy p.safetensors
err "--threads 0" x.npz --threads 0 collect --expert swingup --episodes 1 --out x.npz

for f in "$FIX"/npz_corrupt/*.npz; do
    cp "$f" bad.npz
    err "corrupt npz $(basename "$f")" x.safetensors train --data bad.npz --epochs 1 --out x.safetensors
done
for f in "$FIX"/safetensors_corrupt/*.safetensors; do
    cp "$f" bad.safetensors
    err "corrupt safetensors $(basename "$f") (eval)" "" eval --policy bad.safetensors --episodes 1
    err "corrupt safetensors $(basename "$f") (predict)" "" predict --policy bad.safetensors --obs 1,0,0
done
# valid safetensors that are no policy
for f in "$FIX"/safetensors_valid/*.safetensors; do
    cp "$f" notpolicy.safetensors
    err "safetensors without a policy $(basename "$f")" "" predict --policy notpolicy.safetensors --obs 1,0,0
done

# nothing but what the happy paths wrote is left in the work dir
leftover=$(ls -A | grep -vxE 'd.npz|noisy.npz|p.safetensors|p4.safetensors|p4n.safetensors|dg|fromdg.safetensors|out.txt|err.txt|bad.npz|bad.safetensors|notpolicy.safetensors')
[ -z "$leftover" ] || fail "files left behind: $leftover"

echo "$((cases - failures))/$cases cases passed"
[ $failures -eq 0 ]
