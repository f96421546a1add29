#!/usr/bin/env bash
# Sweeps that scale out and resume (algorithms/experiments/sweep.hpp), end to end through the imitate command:
# 1. `mpirun --oversubscribe -n 3 imitate experiment horizon --quick` writes the same bytes as one process;
# 2. a run killed with kill -9 once some job files exist, resumed with --resume (over 2 MPI ranks), runs only
#    the missing jobs and ends with the same bytes as an uninterrupted run, every output file compared.
# Registered only when Meson found MPI. Usage: test_mpi.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
build=$2
imitate=$build/apps/imitate
work=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$work"' EXIT
pid=
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
export OMPI_MCA_btl_vader_single_copy_mechanism=none              # containers without ptrace rights
fail() { echo "FAIL: $*" >&2; exit 1; }
# Open MPI keeps its own allocations until exit: under the sanitizer pass, leak checks of MPI runs would report
# those, not ours (the single-process runs keep the checks).
mpi=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" mpirun --oversubscribe)

# Every file of reference directory $1 has a byte-identical twin in $2 (leftover temporaries of a killed writer
# in $2 are not outputs and are not compared).
same_outputs() {
    local n=0
    while IFS= read -r f; do
        cmp -s "$1/$f" "$2/$f" || fail "$2/$f differs from $1/$f"
        n=$((n + 1))
    done < <(cd "$1" && find . -type f | sort)
    [ "$n" -gt 0 ] || fail "no outputs in $1"
    echo "  $n files identical ($1 vs $2)"
}

# Each run writes to ./out inside its own directory, so the command quoted in the reports is the same.
run_in() { local d=$1; shift; mkdir -p "$work/$d" && (cd "$work/$d" && "$@"); }

echo "1. one process vs mpirun -n 3"
run_in single "$imitate" --quiet experiment horizon --quick --out out > /dev/null
run_in mpi "${mpi[@]}" -n 3 "$imitate" --quiet experiment horizon --quick --out out > "$work/mpi.txt"
same_outputs "$work/single/out" "$work/mpi/out"
[ "$(grep -c '^== horizon' "$work/mpi.txt")" = 1 ] || fail "the table was printed $(grep -c '^== horizon' "$work/mpi.txt") times, not once (rank 0 only)"

echo "2. kill -9 after some jobs, --resume over 2 ranks, against an uninterrupted run"
args=(experiment dagger --quick --seeds 3 --out out)
run_in full "$imitate" --quiet "${args[@]}" > /dev/null
total=$(find "$work/full/out/jobs/dagger" -name '*.txt' | wc -l)
mkdir -p "$work/killed"
(cd "$work/killed" && exec "$imitate" --quiet "${args[@]}" > /dev/null 2>&1) &
pid=$!
for _ in $(seq 1 600); do  # up to 60 s for the first jobs
    done_jobs=$(find "$work/killed/out/jobs/dagger" -name "*.txt" 2>/dev/null | wc -l) || true
    [ "$done_jobs" -ge 3 ] && break
    sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
before=$(find "$work/killed/out/jobs/dagger" -name '*.txt' | wc -l)
[ "$before" -ge 3 ] || fail "only $before job files after 60 s"
[ "$before" -lt "$total" ] || fail "the run finished before it was killed ($before of $total jobs): nothing to resume"
[ ! -e "$work/killed/out/dagger.md" ] || fail "the killed run already wrote its report"
run_in killed "${mpi[@]}" -n 2 "$imitate" "${args[@]}" --resume > /dev/null 2> "$work/resume.err"
grep -q "resume: $before of $total jobs already done" "$work/resume.err" ||
    fail "resume did not keep the $before finished jobs: $(grep resume: "$work/resume.err" || true)"
ran=$(grep -c ' done: ' "$work/resume.err" || true)
[ "$ran" = $((total - before)) ] || fail "resume ran $ran jobs, expected the $((total - before)) missing ones"
same_outputs "$work/full/out" "$work/killed/out"
echo "killed after $before of $total jobs; resumed the other $ran; outputs identical"
