# Sourced by test scripts called as `<script> <source_dir> <build_dir>`: src and build as absolute paths, a
# temporary directory $tmp removed on exit, and fail MESSAGE (to stderr, exit 1).
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
