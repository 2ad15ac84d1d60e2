#!/usr/bin/env bash
# Whole-command speed, file to file, against the zstd CLI in the same run.
#
#   bash scripts/bench-cli.sh [RECORDS] [RUNS]        (defaults: 100000 records ≈ 89 MB, 9 runs)
#
# Generates sdk-log, trains a profile (transforms all, zstd:6, block:1024), runs every
# command once (page cache warm), then times RUNS rounds; each round runs every command
# once, so a load spike from other work hits neighbouring commands alike rather than all
# the runs of one. Prints each command's median and min–max wall time and median CPU time
# (user + sys), then each target ratio twice: as the ratio of the medians and as the median
# of the per-round ratios (each pair from the same round). Every restore is compared with
# the input. Outputs go to a scratch folder on the same file system as the checkout (set
# BENCH_DIR to choose) and are removed before each run, so every tool writes a new file.
# LogLab's outputs are atomic and fsync'ed, zstd's are not: the target ratios are against
# plain zstd (the stricter comparison); the "+ sync" rows show both tools durable.
# Needs a release build (swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
RUNS=${2:-9}
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

# Commands in the order each round runs them: NAMES[i], OUTS[i] (removed before each run,
# untimed), CMDS[i] (a shell command line).
NAMES=() OUTS=() CMDS=()
add() { NAMES+=("$1"); OUTS+=("$2"); CMDS+=("$3"); }
add "zstd -3 (1 thread)"        "$DIR/z.zst"    "zstd -3 -T1 -q -f '$IN' -o '$DIR/z.zst'"
add "zstd -3 + sync"            "$DIR/zs.zst"   "zstd -3 -T1 -q -f '$IN' -o '$DIR/zs.zst' && sync '$DIR/zs.zst'"
# zstd on two worker threads: what a second core gives a tool built to split its input
# (independent jobs, one I/O thread), the machine's own T1 → T2 reference.
add "zstd -3 -T2"               "$DIR/z2.zst"   "zstd -3 -T2 -q -f '$IN' -o '$DIR/z2.zst'"
add "loglab codec zstd:3"       "$DIR/c.zst"    "'$LOGLAB' codec compress --codec zstd:3 -i '$IN' -o '$DIR/c.zst'"
add "loglab compress -T1"       "$DIR/c1.llc"   "'$LOGLAB' compress --profile '$DIR/p.llp' --threads 1 -i '$IN' -o '$DIR/c1.llc'"
add "loglab compress -T2"       "$DIR/c2.llc"   "'$LOGLAB' compress --profile '$DIR/p.llp' --threads 2 -i '$IN' -o '$DIR/c2.llc'"
# Everything on one thread (zstd's --single-thread): what a second core adds, measured from one.
add "loglab compress single"    "$DIR/c0.llc"   "'$LOGLAB' compress --profile '$DIR/p.llp' --single-thread -i '$IN' -o '$DIR/c0.llc'"
add "zstd -d"                   "$DIR/z.out"    "zstd -d -q -f '$DIR/ref.zst' -o '$DIR/z.out'"
# LogLab's outputs are durable (fsync before the rename); zstd's are not. These rows put the
# cost of durability and of the file system beside the decoding itself.
add "zstd -d + sync"            "$DIR/zs.out"   "zstd -d -q -f '$DIR/ref.zst' -o '$DIR/zs.out' && sync '$DIR/zs.out'"
add "zstd -d > /dev/null"       "$DIR/none"     "zstd -d -q -c '$DIR/ref.zst' > /dev/null"
add "loglab restore -T1"        "$DIR/r1.jsonl" "'$LOGLAB' restore --profile '$DIR/p.llp' --threads 1 -i '$DIR/c1.llc' -o '$DIR/r1.jsonl'"
add "loglab restore -T1 > null" "$DIR/none"     "'$LOGLAB' restore --profile '$DIR/p.llp' --threads 1 -i '$DIR/c1.llc' -o /dev/null"
add "loglab restore -T2"        "$DIR/r2.jsonl" "'$LOGLAB' restore --profile '$DIR/p.llp' --threads 2 -i '$DIR/c1.llc' -o '$DIR/r2.jsonl'"
add "loglab restore single"     "$DIR/r0.jsonl" "'$LOGLAB' restore --profile '$DIR/p.llp' --single-thread -i '$DIR/c1.llc' -o '$DIR/r0.jsonl'"

# Warm-up: every command once (the restores need c1.llc from the compress before them).
for i in "${!NAMES[@]}"; do
    sh -c "${CMDS[$i]}" >/dev/null 2>&1 || { echo "failed: ${CMDS[$i]}" >&2; exit 1; }
done

LOAD0=$(cut -d' ' -f1 /proc/loadavg)
echo "input: $RECORDS sdk-log records, $BYTES bytes; $RUNS rounds; load $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
# WALL[name,round], CPUT[name,round] in ms.
declare -A WALL CPUT
for round in $(seq "$RUNS"); do
    for i in "${!NAMES[@]}"; do
        rm -f "${OUTS[$i]}"
        t0=$(date +%s%N)
        /usr/bin/time -o "$DIR/usage" -f "%U %S" sh -c "${CMDS[$i]}" >/dev/null 2>/dev/null \
            || { echo "failed: ${CMDS[$i]}" >&2; exit 1; }
        t1=$(date +%s%N)
        usage=$(tail -1 "$DIR/usage")
        WALL[${NAMES[$i]},$round]=$(( (t1 - t0) / 1000000 ))
        CPUT[${NAMES[$i]},$round]=$(awk -v u="${usage% *}" -v s="${usage#* }" 'BEGIN { printf "%d", (u + s) * 1000 }')
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A MED CPU
for name in "${NAMES[@]}"; do
    walls=() cpus=()
    for round in $(seq "$RUNS"); do walls+=("${WALL[$name,$round]}"); cpus+=("${CPUT[$name,$round]}"); done
    sorted=($(printf '%s\n' "${walls[@]}" | sort -n))
    MED[$name]=$(median "${walls[@]}")
    CPU[$name]=$(median "${cpus[@]}")
    printf '%-28s wall %6s ms (min %d, max %d)  cpu %6s ms  %7.1f MB/s\n' "$name" "${MED[$name]}" "${sorted[0]}" \
        "${sorted[$((RUNS - 1))]}" "${CPU[$name]}" "$(awk -v b="$BYTES" -v ms="${MED[$name]}" 'BEGIN { print b / 1e3 / (ms > 0 ? ms : 1) }')"
done
printf 'per round (wall ms):'; for name in "${NAMES[@]}"; do
    printf '\n  %-26s' "$name"; for round in $(seq "$RUNS"); do printf ' %5d' "${WALL[$name,$round]}"; done
done; echo

cmp -s "$IN" "$DIR/r1.jsonl" && cmp -s "$IN" "$DIR/r2.jsonl" && cmp -s "$IN" "$DIR/r0.jsonl" && cmp -s "$IN" "$DIR/z.out" \
    || { echo "restore differs from the input" >&2; exit 1; }
cmp -s "$DIR/c1.llc" "$DIR/c2.llc" && cmp -s "$DIR/c1.llc" "$DIR/c0.llc" \
    || { echo "compress -T1, -T2 and --single-thread containers differ" >&2; exit 1; }
"$LOGLAB" codec decompress -i "$DIR/c.zst" | cmp -s "$IN" - || { echo "codec round trip differs" >&2; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }'; }
# paired A B: the median over rounds of A's wall time over B's in the same round.
paired() {
    local r=()
    for round in $(seq "$RUNS"); do r+=("$(ratio "${WALL[$1,$round]}" "${WALL[$2,$round]}")"); done
    printf '%.2f' "$(median "${r[@]}")"
}
row() { printf '%-32s %5s  paired %5s   %s\n' "$1" "$(ratio "${MED[$2]}" "${MED[$3]}")" "$(paired "$2" "$3")" "$4"; }
echo "container ratio $(ratio "$BYTES" "$(stat -c %s "$DIR/c1.llc")"), zstd -3 ratio $(ratio "$BYTES" "$(stat -c %s "$DIR/z.zst")")"
echo "ratio (of medians; paired: median of per-round ratios)"
row "restore -T1 / zstd -d"           "loglab restore -T1" "zstd -d"                "(target ≤ 2)"
row "restore -T1 / (zstd -d + sync)"  "loglab restore -T1" "zstd -d + sync"         "(both durable)"
row "restore to /dev/null ÷ zstd's"   "loglab restore -T1 > null" "zstd -d > /dev/null" "(decoding alone)"
row "compress -T1 / zstd -3"          "loglab compress -T1" "zstd -3 (1 thread)"    "(target ≤ 2.5)"
row "compress -T1 / (zstd -3 + sync)" "loglab compress -T1" "zstd -3 + sync"        "(both durable)"
row "codec zstd:3 / zstd -3"          "loglab codec zstd:3" "zstd -3 (1 thread)"    "(target ≤ 1.1; cpu $(ratio "${CPU[loglab codec zstd:3]}" "${CPU[zstd -3 (1 thread)]}"))"
row "codec zstd:3 / (zstd -3 + sync)" "loglab codec zstd:3" "zstd -3 + sync"        "(both durable)"
row "compress speed-up T1 → T2"       "loglab compress -T1" "loglab compress -T2"   "(target ≥ 1.8)"
row "restore speed-up T1 → T2"        "loglab restore -T1" "loglab restore -T2"     "(target ≥ 1.8)"
# The same from one thread doing everything (--single-thread): the whole gain of a second core.
row "compress speed-up single → T2"   "loglab compress single" "loglab compress -T2" "(from --single-thread)"
row "zstd -3 speed-up T1 → T2"        "zstd -3 (1 thread)" "zstd -3 -T2"            "(this machine's reference)"
row "restore speed-up single → T2"    "loglab restore single" "loglab restore -T2"   "(from --single-thread)"
# What bounds the T1 → T2 rows: -T1 already keeps a reading/writing thread beside its worker
# (cores used = its CPU ÷ its wall time), and -T2 cannot take less wall time than its CPU
# time spread over every core, so its speed-up is at most T1 wall × cores ÷ T2 CPU.
bound() {
    printf '%-32s cores used by -T1 %4s   speed-up bound %4s\n' "$1" "$(ratio "${CPU[$2]}" "${MED[$2]}")" \
        "$(awk -v w="${MED[$2]}" -v n="$(nproc)" -v c="${CPU[$3]}" 'BEGIN { printf "%.2f", w * n / (c > 0 ? c : 1) }')"
}
bound "compress T1 → T2" "loglab compress -T1" "loglab compress -T2"
bound "restore T1 → T2"  "loglab restore -T1"  "loglab restore -T2"
# With the cores already busy, a second thread only wins LogLab a larger share of them.
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
if awk -v a="$LOAD0" -v b="$LOAD1" -v n="$(nproc)" 'BEGIN { exit !(a >= n || b >= n) }'; then
    echo "note: load average $LOAD0 → $LOAD1 on $(nproc) cores: other work held the cores, so the T1 → T2 rows (and the bounds, whose wall times include waiting for a core) show the share LogLab got, not how it scales"
fi
