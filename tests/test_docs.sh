#!/usr/bin/env bash
# Keeps the guided tour (docs/tour/*.md) true to the code. A quoted block is marked with its source file,
#     <!-- snippet: autograd/ops.cpp -->
#     ```cpp
#     ...lines...
#     ```
# and its lines must appear verbatim, consecutively, in that file. Every numbered page must quote at least one
# snippet and have a "Run it" section. The check is also run on a copy with one quoted line changed, which it must
# reject (so the test can fail).
# Usage: test_docs.sh <source_dir> <build_dir>
set -euo pipefail
src=$1
build=$2

check() {  # check <tour dir> <source root>: prints one line per problem, exits 1 if any
    /usr/bin/env python3 - "$1" "$2" <<'PY'
import pathlib, re, sys
tour, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
pages = sorted(tour.glob("[0-9]*.md"))  # the numbered pages; README.md is the index
bad = []
if not pages:
    bad.append(f"{tour}: no pages")
for page in pages:
    lines = page.read_text().split("\n")
    quoted = 0
    for i, line in enumerate(lines):
        m = re.fullmatch(r"<!-- snippet: (\S+) -->", line.strip())
        if not m:
            continue
        where = f"{page.name}:{i + 1}"
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            bad.append(f"{where}: the snippet marker is not followed by a fenced block")
            continue
        end = next((j for j in range(i + 2, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            bad.append(f"{where}: the fenced block is not closed")
            continue
        block = lines[i + 2:end]
        path = root / m.group(1)
        if not path.is_file():
            bad.append(f"{where}: {m.group(1)} does not exist")
            continue
        code = path.read_text().split("\n")
        n = len(block)
        if n == 0 or not any(code[k:k + n] == block for k in range(len(code) - n + 1)):
            bad.append(f"{where}: the quoted block ({n} lines) is not verbatim in {m.group(1)}")
        quoted += 1
    if quoted == 0:
        bad.append(f"{page.name}: quotes no snippet")
    if not any(re.match(r"#+ Run it", l) for l in lines):
        bad.append(f"{page.name}: has no 'Run it' section")
for b in bad:
    print("FAIL", b)
print(f"{len(pages)} pages checked")
sys.exit(1 if bad else 0)
PY
}

# 1. the tour as committed
check "$src/docs/tour" "$src"

# 2. the checker must reject a quote that drifted from the code: change the first quoted line of one page
tmp=$(mktemp -d "$build/test_docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$src"/docs/tour/*.md "$tmp/"
page=$(grep -l -- "<!-- snippet:" "$tmp"/[0-9]*.md | head -1)
python3 - "$page" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
i = next(k for k, l in enumerate(lines) if l.startswith("<!-- snippet:"))
lines[i + 2] += " // drifted"
open(p, "w").write("\n".join(lines))
PY
if check "$tmp" "$src" >"$tmp/out.txt"; then
    echo "FAIL: the checker accepted a quote that is not in the code"
    exit 1
fi
grep -q "is not verbatim" "$tmp/out.txt" || { echo "FAIL: unexpected checker output:"; cat "$tmp/out.txt"; exit 1; }
# README.md's results are the REPORT.md files', copied by scripts/readme_results.py (no number typed by hand):
# pendulum and point mass, then the MuJoCo robots
python3 "$src/scripts/readme_results.py" --report "$src/docs/results/REPORT.md" --report "$src/docs/results/reacher/REPORT.md" \
    --report "$src/docs/results/push/REPORT.md" --readme "$src/README.md" --check || exit 1
echo "PASS"
