#!/usr/bin/env bash
# Default profile against the tools a user would pick instead, on real logs: for each file,
# train a profile (`loglab profile train`, defaults) on the first half of its lines, compress
# the second half with it, restore and compare byte for byte, and compress the same half
# with `zstd -19` and `xz -9e`, in one run. Prints ratios, × zstd -19, and the profile's size
# (raw and as `zstd -19` would store it).
#
#   scripts/profile-vs-reference.sh [LOGLAB] [FILE…]
# LOGLAB defaults to .build/release/loglab; FILEs to the real datasets in ../shared/datasets.
# TRAIN_ARGS adds options to `profile train` (e.g. TRAIN_ARGS=--no-search for the fixed defaults).
set -euo pipefail
bin=${1:-.build/release/loglab}
shift || true
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in ../shared/datasets/*.jsonl.zst ../shared/datasets/text-logs/*.log; do [ -e "$f" ] && files+=("$f"); done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "loadavg $(cat /proc/loadavg)"
printf "%-24s %10s %7s %7s %9s %7s %7s %9s %9s %7s\n" data test_bytes zstd-19 xz-9e container ratio ×zstd profile prof.zst ×zstd+p
for f in "${files[@]}"; do
  name=$(basename "$f"); name=${name%%.*}
  case "$f" in
    *.zst) zstd -dcq "$f" > "$work/all" ;;
    *) cp "$f" "$work/all" ;;
  esac
  n=$(wc -l < "$work/all"); h=$((n / 2))
  head -n "$h" "$work/all" > "$work/train"
  tail -n +"$((h + 1))" "$work/all" > "$work/test"
  orig=$(wc -c < "$work/test")
  z=$(zstd -19 -c -q "$work/test" | wc -c)
  x=$(xz -9e -c "$work/test" | wc -c)
  "$bin" profile train --train "$work/train" -o "$work/p.llp" ${TRAIN_ARGS:-} > /dev/null 2> "$work/train.log" \
    || { cat "$work/train.log" >&2; exit 1; }
  "$bin" compress --profile "$work/p.llp" -i "$work/test" -o "$work/c.llc"
  "$bin" restore --profile "$work/p.llp" -i "$work/c.llc" -o "$work/back"
  cmp -s "$work/back" "$work/test" || { echo "error: $name did not restore byte for byte" >&2; exit 1; }
  c=$(wc -c < "$work/c.llc"); p=$(wc -c < "$work/p.llp"); pz=$(zstd -19 -c -q "$work/p.llp" | wc -c)
  awk -v s="$name" -v o="$orig" -v z="$z" -v x="$x" -v c="$c" -v p="$p" -v pz="$pz" \
    'BEGIN { printf "%-24s %10d %7.2f %7.2f %9d %7.2f %7.2f %9d %9d %7.2f\n", s, o, o/z, o/x, c, o/c, z/c, p, pz, z/(c+pz) }'
done
