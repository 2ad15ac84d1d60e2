#!/usr/bin/env bash
# Whole-command speed, file to file, against the zstd CLI in the same run.
#
#   bash scripts/bench-cli.sh [RECORDS] [RUNS]        (defaults: 100000 records ≈ 89 MB, 5 runs)
#
# Generates sdk-log, trains a profile (transforms all, zstd:6, block:1024), then times each
# command RUNS times after one warm-up (page cache warm) and prints the median and min–max
# wall time, the median CPU time (user + sys), and the ratios the project's targets are
# stated in. Every restore is compared with the input. Outputs go to a scratch folder on
# the same file system as the checkout (set BENCH_DIR to choose); LogLab's outputs are
# atomic and fsync'ed, zstd's are not. Needs a release build (swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
RUNS=${2:-5}
LOGLAB=${LOGLAB:-.build/release/loglab}
[ -x "$LOGLAB" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v zstd >/dev/null || { echo "zstd not found" >&2; exit 1; }
DIR=${BENCH_DIR:-$(mktemp -d "${PWD}/.bench-cli.XXXXXX")}
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT

IN=$DIR/in.jsonl
"$LOGLAB" dataset generate sdk-log --records "$RECORDS" --seed 7 -o "$IN" -q
"$LOGLAB" dataset generate sdk-log --records 20000 --seed 8 -o "$DIR/train.jsonl" -q
# --no-search: the fixed defaults, so runs stay comparable between machines and loads.
"$LOGLAB" profile train --train "$DIR/train.jsonl" -o "$DIR/p.llp" --no-search -q
zstd -3 -q -f "$IN" -o "$DIR/ref.zst"
BYTES=$(stat -c %s "$IN")

# time_cmd NAME OUTPUT CMD... : RUNS timed runs after a warm-up; sets MED[NAME], CPU[NAME] (ms).
declare -A MED CPU
time_cmd() {
    local name=$1 out=$2; shift 2
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    local walls=() cpus=()
    for _ in $(seq "$RUNS"); do
        local t0 t1 usage
        # Every output is removed before each run (untimed): both tools then write a new
        # file rather than one replacing a file of the same size.
        rm -f "$out"
        t0=$(date +%s%N)
        /usr/bin/time -o "$DIR/usage" -f "%U %S" "$@" >/dev/null 2>/dev/null
        t1=$(date +%s%N)
        usage=$(tail -1 "$DIR/usage")
        walls+=($(( (t1 - t0) / 1000000 )))
        cpus+=($(awk -v u="${usage% *}" -v s="${usage#* }" 'BEGIN { printf "%d", (u + s) * 1000 }'))
    done
    local sorted=($(printf '%s\n' "${walls[@]}" | sort -n)) csorted=($(printf '%s\n' "${cpus[@]}" | sort -n))
    local mid=$(( RUNS / 2 ))
    MED[$name]=${sorted[$mid]}
    CPU[$name]=${csorted[$mid]}
    printf '%-28s wall %6d ms (min %d, max %d)  cpu %6d ms  %7.1f MB/s\n' "$name" "${sorted[$mid]}" "${sorted[0]}" \
        "${sorted[$((RUNS - 1))]}" "${csorted[$mid]}" "$(awk -v b="$BYTES" -v ms="${sorted[$mid]}" 'BEGIN { print b / 1e3 / (ms > 0 ? ms : 1) }')"
}

echo "input: $RECORDS sdk-log records, $BYTES bytes; $RUNS runs each; load $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
time_cmd "zstd -3 (1 thread)" "$DIR/z.zst" zstd -3 -T1 -q -f "$IN" -o "$DIR/z.zst"
time_cmd "zstd -d" "$DIR/z.out" zstd -d -q -f "$DIR/ref.zst" -o "$DIR/z.out"
# LogLab's outputs are durable (fsync before the rename); zstd's are not. These two rows put
# the cost of durability and of the file system beside the decoding itself.
time_cmd "zstd -d + sync" "$DIR/zs.out" sh -c "zstd -d -q -f '$DIR/ref.zst' -o '$DIR/zs.out' && sync '$DIR/zs.out'"
time_cmd "zstd -d > /dev/null" "$DIR/none" sh -c "zstd -d -q -c '$DIR/ref.zst' > /dev/null"
time_cmd "loglab codec zstd:3" "$DIR/c.zst" "$LOGLAB" codec compress --codec zstd:3 -i "$IN" -o "$DIR/c.zst"
time_cmd "loglab compress -T1" "$DIR/c1.llc" "$LOGLAB" compress --profile "$DIR/p.llp" --threads 1 -i "$IN" -o "$DIR/c1.llc"
time_cmd "loglab compress -T2" "$DIR/c2.llc" "$LOGLAB" compress --profile "$DIR/p.llp" --threads 2 -i "$IN" -o "$DIR/c2.llc"
time_cmd "loglab restore -T1" "$DIR/r1.jsonl" "$LOGLAB" restore --profile "$DIR/p.llp" --threads 1 -i "$DIR/c1.llc" -o "$DIR/r1.jsonl"
time_cmd "loglab restore -T1 > null" "$DIR/none" "$LOGLAB" restore --profile "$DIR/p.llp" --threads 1 -i "$DIR/c1.llc" -o /dev/null
time_cmd "loglab restore -T2" "$DIR/r2.jsonl" "$LOGLAB" restore --profile "$DIR/p.llp" --threads 2 -i "$DIR/c1.llc" -o "$DIR/r2.jsonl"
cmp -s "$IN" "$DIR/r1.jsonl" && cmp -s "$IN" "$DIR/r2.jsonl" && cmp -s "$IN" "$DIR/z.out" \
    || { echo "restore differs from the input" >&2; exit 1; }
"$LOGLAB" codec decompress -i "$DIR/c.zst" | cmp -s "$IN" - || { echo "codec round trip differs" >&2; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }'; }
echo "container ratio $(ratio "$BYTES" "$(stat -c %s "$DIR/c1.llc")"), zstd -3 ratio $(ratio "$BYTES" "$(stat -c %s "$DIR/z.zst")")"
echo "restore -T1 / zstd -d         $(ratio "${MED[loglab restore -T1]}" "${MED[zstd -d]}")   (target ≤ 2)"
echo "restore -T1 / (zstd -d + sync) $(ratio "${MED[loglab restore -T1]}" "${MED[zstd -d + sync]}")   (both durable)"
echo "restore to /dev/null, ÷ zstd's $(ratio "${MED[loglab restore -T1 > null]}" "${MED[zstd -d > /dev/null]}")   (decoding alone)"
echo "compress -T1 / zstd -3        $(ratio "${MED[loglab compress -T1]}" "${MED[zstd -3 (1 thread)]}")   (target ≤ 2.5)"
echo "codec zstd:3 / zstd -3        $(ratio "${MED[loglab codec zstd:3]}" "${MED[zstd -3 (1 thread)]}")   (target ≤ 1.1; cpu $(ratio "${CPU[loglab codec zstd:3]}" "${CPU[zstd -3 (1 thread)]}"))"
echo "compress speed-up T1 → T2     $(ratio "${MED[loglab compress -T1]}" "${MED[loglab compress -T2]}")   (target ≥ 1.8)"
echo "restore speed-up T1 → T2      $(ratio "${MED[loglab restore -T1]}" "${MED[loglab restore -T2]}")   (target ≥ 1.8)"
