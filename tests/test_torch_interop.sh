#!/usr/bin/env bash
# PyTorch <-> C++ safetensors interop, both directions, with Debian's python3-torch (SKIP without it):
#  1. regenerate the BCPolicy fixture with torch into <build>/torch_interop/ and have the C++ loader and hand
#     forward reproduce torch's outputs from it (test_safetensors, IMITATE_TORCH_FIXTURE_DIR);
#  2. have test_safetensors write cpp_written.safetensors and load it into torch (load_state_dict, strict);
#  3. have test_act write an ACT checkpoint and load it into bench/peers/act_model.py the same way.
# Usage: test_torch_interop.sh <source_dir> <build_dir>
set -euo pipefail
src=$1
build=$2
py=/usr/bin/python3
exe=$build/tests/test_safetensors

if ! [ -x "$py" ] || ! "$py" -c 'import torch, numpy' 2>/dev/null; then
    echo "SKIP: $py cannot import torch and numpy"
    exit 0
fi
[ -x "$exe" ] || { echo "FAIL: $exe not built"; exit 1; }

out=$build/torch_interop
mkdir -p "$out"
"$py" "$src/scripts/make_torch_fixture.py" "$out"
IMITATE_TORCH_FIXTURE_DIR=$out "$exe" --test-case='PyTorch-written*' --no-version=true
if cmp -s "$out/torch_bcpolicy_h4.safetensors" "$src/tests/fixtures/torch_bcpolicy_h4.safetensors"; then
    echo "regenerated fixture is byte-identical to the committed one"
else
    echo "note: regenerated fixture differs from the committed one (another torch version or RNG); both load"
fi

"$exe" --test-case='writes cpp_written*' --no-version=true
"$py" "$src/scripts/make_torch_fixture.py" --check-cpp "$build/cpp_written.safetensors" "$build/cpp_written_outputs.txt"

# 3. an ACT checkpoint (transformers, state_dict names) into bench/peers/act_model.py, predictions compared
act=$build/tests/test_act
[ -x "$act" ] || { echo "FAIL: $act not built"; exit 1; }
"$act" --test-case='writes act_cpp_written*' --no-version=true
"$py" "$src/scripts/make_act_fixture.py" --check-cpp "$build/act_cpp_written.safetensors" "$build/act_cpp_written_outputs.txt"
echo "PASS"
