#!/usr/bin/env bash
# The Python module from the build tree (build/python/imitate.py) with Debian's python3 and NumPy:
# tests/test_python.py. SKIP (77) without NumPy. In a sanitizer build the sanitizer runtimes are preloaded
# (python3 itself is not instrumented) and leak detection is off (the interpreter's own leaks).
# Usage: test_python.sh <source_dir> <build_dir>
set -euo pipefail
src=$1
build=$(cd "$2" && pwd)
py=/usr/bin/python3
if ! [ -x "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: $py cannot import numpy"
    exit 77
fi
work=$build/test_python
rm -rf "$work"
mkdir -p "$work"
san=$(meson introspect "$build" --buildoptions | "$py" -c \
    'import json, sys; v = [o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"]; print(v[0] if v else "none")')
env=(PYTHONPATH="$build/python" PYTHONDONTWRITEBYTECODE=1)
if [ "$san" != none ]; then
    env+=(LD_PRELOAD="$(${CXX:-c++} -print-file-name=libasan.so):$(${CXX:-c++} -print-file-name=libubsan.so)"
        ASAN_OPTIONS=detect_leaks=0)
fi
env "${env[@]}" "$py" "$src/tests/test_python.py" "$build" "$work"
