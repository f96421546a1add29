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

# ------------------------------------------------------------------------- any environment (issue 11)
ok "envs" envs && grep -q "^pendulum" out.txt && grep -q "^point_mass" out.txt || fail "envs lacks pendulum or point_mass"
ok "envs --json" envs --json
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
envs = json.load(open(sys.argv[1]))
assert isinstance(envs, list) and len(envs) >= 2, envs
ids = [e["id"] for e in envs]
assert "pendulum" in ids and "point_mass" in ids, ids
for e in envs:
    assert {"id", "obs_dim", "act_dim", "experts"} <= set(e), e.keys()
    assert e["obs_dim"] >= 1 and e["act_dim"] >= 1 and len(e["experts"]) >= 1, e
p = envs[ids.index("pendulum")]
assert (p["obs_dim"], p["act_dim"], p["experts"]) == (3, 1, ["pd", "swingup"]), p
' out.txt || fail "envs --json is not the expected list"
fi
ok "train --help shows defaults" train --help
grep -q "256,256" out.txt && grep -q "0.001" out.txt || fail "train --help does not show the defaults of --hidden and --lr"
grep -q -- "--components INT=5 *gmm: mixture components K (>= 1)" out.txt && grep -q -- "--offsets *tokens:" out.txt ||
    fail "train --help does not show the heads' flags with their rows' ranges"
ok "collect point_mass" collect --env point_mass --episodes 4 --seed 3 --out pm.npz
ok "train point_mass" train --data pm.npz --epochs 2 --hidden 16 --chunk 2 --out pm.safetensors
ok "eval point_mass policy (env from the policy)" eval --policy pm.safetensors --episodes 3 --seed 99
ok "eval point_mass expert" eval --env point_mass --expert sides --episodes 5
ok "eval default expert" eval --env point_mass --expert-default --episodes 2
ok "predict point_mass" predict --policy pm.safetensors --obs 0,0.5 --env point_mass
[ "$(wc -l <out.txt)" -eq 2 ] || fail "predict H=2 on point_mass printed $(wc -l <out.txt) lines, expected 2"
ok "dagger point_mass" dagger --env point_mass --rounds 1 --episodes-per-round 2 --epochs 1 --hidden 8 --eval-episodes 2 --out pmdg
ok "eval on the training starts warns" eval --policy pm.safetensors --episodes 2 --seed 3
grep -q "warning: --seed 3 gives the start states the training data" err.txt || fail "eval on the training seed did not warn: $(cat err.txt)"
ok "eval on held-out starts does not warn" eval --policy pm.safetensors --episodes 2 --seed 4
[ ! -s err.txt ] || fail "eval on held-out starts printed: $(cat err.txt)"
if "$BIN" eval --env pendulum --expert pd --episodes 1 --steps 5 --video "$TMP" >/dev/null 2>&1; then
    rm -f "$TMP"/episode_*.gif
    mkdir -p vid vid2
    ok "eval --video" eval --env pendulum --expert swingup --episodes 2 --steps 20 --video vid
    ok "eval --video point_mass" eval --policy pm.safetensors --episodes 1 --steps 30 --video vid2
    [ -s vid2/episode_0.gif ] || fail "eval --video point_mass wrote no GIF"
    # one frame per recorded state plus the final one: 21 for 20 steps; count the GIF's image descriptors
    if command -v python3 >/dev/null 2>&1; then
        python3 -c '
import sys
def frames(path):
    b = open(path, "rb").read()
    assert b[:6] in (b"GIF87a", b"GIF89a"), b[:6]
    flags = b[10]; i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0); n = 0
    while True:
        c = b[i]
        if c == 0x3B: return n
        if c == 0x21:
            i += 2
        elif c == 0x2C:
            n += 1; f = b[i + 9]; i += 10 + (3 * 2 ** ((f & 7) + 1) if f & 0x80 else 0) + 1
        else:
            raise ValueError("bad block %x at %d" % (c, i))
        while b[i]: i += b[i] + 1
        i += 1
for k in (0, 1):
    n = frames("vid/episode_%d.gif" % k)
    assert n == 21, (k, n)
' || fail "eval --video: the GIFs do not decode to 21 frames"
    fi
    [ -s vid/episode_0.gif ] && [ -s vid/episode_1.gif ] || fail "eval --video wrote no GIFs"
    err "--video into a missing directory" "" eval --env pendulum --expert pd --episodes 1 --video nodir
else
    echo "skip --video: this build has no GIF encoder"
fi

# ----------------------------------------------------------------------------------------- error paths
err "unknown --env (collect)" x.npz collect --env cartpole --episodes 2 --out x.npz
grep -q "unknown environment 'cartpole'; known: pendulum, point_mass" err.txt || fail "unknown env: $(cat err.txt)"
err "unknown --env (eval)" "" eval --env cartpole --expert pd --episodes 2
err "unknown --env (train, before reading the data)" x.safetensors train --env cartpole --data nope.npz --out x.safetensors
grep -q "cartpole" err.txt || fail "train --env cartpole did not fail on the env first: $(cat err.txt)"
err "unknown --env (dagger)" xdg dagger --env cartpole --rounds 1 --out xdg
err "expert of another env" x.npz collect --env point_mass --expert swingup --episodes 2 --out x.npz
err "policy of another env (eval)" "" eval --policy pm.safetensors --env pendulum --episodes 2
grep -q "made for environment 'point_mass', not for 'pendulum'" err.txt || fail "policy of another env: $(cat err.txt)"
err "policy of another env (predict)" "" predict --policy p.safetensors --env point_mass --obs 0,0
err "dataset of another env (train)" x.safetensors train --data pm.npz --env pendulum --out x.safetensors
err "collect that would not fit in memory" x.npz collect --expert pd --episodes 10000000 --out x.npz
grep -q "GiB" err.txt || fail "the memory refusal does not say how much: $(cat err.txt)"
# A policy whose output overflows to inf - inf = NaN: written by hand (no metadata: an MLP inferred from shapes)
if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, struct
big = 3e38
t = {"net.0.weight": ([2, 3], [big] * 6), "net.0.bias": ([2], [big, big]),
     "net.2.weight": ([1, 2], [big, -big]), "net.2.bias": ([1], [0.0])}
hdr, data, off = {}, b"", 0
for k, (shape, v) in t.items():
    b = struct.pack("<%df" % len(v), *v)
    hdr[k] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(b)]}
    data += b; off += len(b)
h = json.dumps(hdr).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open("nan.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + data)
'
    err "a policy that outputs NaN (eval)" "" eval --policy nan.safetensors --episodes 4
    grep -q "non-finite action" err.txt || fail "NaN policy: $(cat err.txt)"
    err "a policy that outputs NaN (predict)" "" predict --policy nan.safetensors --obs 1,0,0
fi
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
# every flag parses before any file is read: the flag is named, not the missing file
err "--exec bogus, no policy file" "" eval --policy missing.safetensors --episodes 2 --exec bogus
grep -q -- "--exec 'bogus'" err.txt || fail "eval --exec bogus with a missing policy: $(cat err.txt)"
err "--obs 1,x, no policy file" "" predict --policy missing.safetensors --obs 1,x
grep -q -- "--obs '1,x'" err.txt || fail "predict --obs 1,x with a missing policy: $(cat err.txt)"
# the heads' flags come from the rows, with the rows' ranges (validate_head), for every head
err "--components 0" x.safetensors train --data d.npz --epochs 1 --head gmm --components 0 --out x.safetensors
err "--latent 0 under --head mse" x.safetensors train --data d.npz --epochs 1 --latent 0 --out x.safetensors
err "--embed 7" x.safetensors train --data d.npz --epochs 1 --head diffusion --embed 7 --out x.safetensors
err "--temperature inf" x.safetensors train --data d.npz --epochs 1 --head tokens --temperature inf --out x.safetensors
err "--ddim-steps 60 > --diffusion-steps" x.safetensors train --data d.npz --epochs 1 --head diffusion --ddim-steps 60 --out x.safetensors
err "--sampler foo" x.safetensors train --data d.npz --epochs 1 --head diffusion --sampler foo --out x.safetensors
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
leftover=$(ls -A | grep -vxE 'd.npz|noisy.npz|p.safetensors|p4.safetensors|p4n.safetensors|dg|fromdg.safetensors|out.txt|err.txt|bad.npz|bad.safetensors|notpolicy.safetensors|pm.npz|pm.safetensors|pmdg|vid|vid2|nan.safetensors')
[ -z "$leftover" ] || fail "files left behind: $leftover"

echo "$((cases - failures))/$cases cases passed"
[ $failures -eq 0 ]
