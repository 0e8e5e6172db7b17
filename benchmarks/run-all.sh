#!/usr/bin/env bash
# Runs the Java one-class benchmark (IAE presets + Tribuo one-class SVM) and the Python peers (scikit-learn
# IsolationForest and OneClassSVM, PyTorch Deep SVDD) on the same data and splits, then combines both into one table.
#
# Usage: benchmarks/run-all.sh NAME [options shared by both runners]
#   shared options: --dataset fashion-mnist|cifar10  --data PATH  --classes 0-9  --seeds 1,2,3  --max-normal N
#                   --contamination r[,r...]  --pretrain-epochs N  --epochs N  --label TEXT
#                   --save-scores true (also write every scored example's score, OUT/NAME-{java,python}-scores.csv.gz,
#                   for `peers.py add-scores`)
#                   Java only (IAE settings; the peers ignore them): --lstm-hidden N, --normalization X,
#                   --score X, --lambda-rec X, --lambda-kl X, --weight-init X, --pretrain-lstm true|false,
#                   --lstm-bias true|false, --min-centre X, --rec-weight W (the COMBINED score's reconstruction
#                   weight), --rec-weights W[,W...] (also re-score each model with these weights: rows ;wrec=W);
#                   --validate F (choose settings on held-out TRAINING images, never the test set; needs
#                   SKIP_PYTHON=1), --validate-fold K (with --validate: the K-th window of held-out images instead
#                   of the last; folds score disjoint images)
#   environment:    JAVA_METHODS (default: all six IAE presets and OCSVM_TRIBUO), PY_METHODS (default: all four),
#                   OUT (default benchmarks/results), IAE_BUILD_SUFFIX (Maven build-directory suffix, e.g. -g),
#                   JAVA_XMX (default 6g), SKIP_BUILD=1 (reuse the last build), SKIP_JAVA=1, SKIP_PYTHON=1
# Writes OUT/NAME-java.{md,csv}, OUT/NAME-python.{md,csv} and OUT/NAME.{md,csv}, which combines the runners that ran
# (a skipped runner's earlier CSV is left out); every header records the command and the commit of the code.
#
# Examples (from the repository root):
#   benchmarks/run-all.sh fashion-mnist --dataset fashion-mnist --seeds 1,2,3
#   benchmarks/run-all.sh cifar10 --dataset cifar10 --data ../shared/data/cifar10-jpg.tar.gz --seeds 1,2,3
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [[ "$1" == -* ]]; then
    awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"  # the comment block above
    exit 2
fi
NAME=$1
shift
OUT=${OUT:-benchmarks/results}
SUFFIX=${IAE_BUILD_SUFFIX:-}
quote() {  # shell-quote one word only if needed (readable command lines in the result headers)
    if [[ "$1" =~ ^[A-Za-z0-9_.,/:=+@%-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
CMD="benchmarks/run-all.sh"
for a in "$NAME" "$@"; do CMD="$CMD $(quote "$a")"; done
CMD=${CMD% }
for v in SKIP_PYTHON SKIP_JAVA SKIP_BUILD; do [ -n "${!v:-}" ] && CMD="$v=${!v} $CMD"; done
[ -n "${JAVA_METHODS:-}" ] && CMD="JAVA_METHODS=$JAVA_METHODS $CMD"
[ -n "${PY_METHODS:-}" ] && CMD="PY_METHODS=$PY_METHODS $CMD"
CMD=${CMD% }
LABEL=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = "--label" ] && [ $((i + 1)) -lt ${#args[@]} ]; then LABEL=${args[$((i + 1))]}; fi
done

# The code the run used, for the result headers: the commit, and whether files outside benchmarks/results differ
# from it (a build from a dirty tree is not reproducible from the commit alone).
if git rev-parse --verify -q HEAD > /dev/null 2>&1; then
    IAE_BENCH_CODE="commit $(git rev-parse --short=12 HEAD)"
    git diff --quiet HEAD -- . ':(exclude)benchmarks/results' 2> /dev/null \
        || IAE_BENCH_CODE="$IAE_BENCH_CODE with uncommitted changes"
    [ -n "$SUFFIX" ] && IAE_BENCH_CODE="$IAE_BENCH_CODE, build directory examples/target$SUFFIX"
    [ -n "${SKIP_BUILD:-}" ] && IAE_BENCH_CODE="$IAE_BENCH_CODE (SKIP_BUILD: the last build, which may predate it)"
    export IAE_BENCH_CODE
fi

# libtorch / OpenMP must not spin on a shared CPU; one thread everywhere (DESIGN.md §4).
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

csvs=()  # the results of this run only: an earlier run's CSV of a skipped runner is not combined
if [ -z "${SKIP_JAVA:-}" ]; then
    CP_FILE="examples/target${SUFFIX}/benchmark.classpath"
    if [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$CP_FILE" ]; then
        mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl onnx-export,tribuo-iae install -DskipTests
        mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl examples compile dependency:build-classpath \
            -Dmdep.outputFile="$(pwd)/$CP_FILE"
    fi
    java -Xmx"${JAVA_XMX:-6g}" -DOPT_OUT_TRACKING=true -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
        -Dai.djl.pytorch.num_interop_threads=1 \
        -cp "examples/target${SUFFIX}/classes:$(cat "$CP_FILE")" dev.iae.examples.benchmark.OneClassBenchmark \
        "$@" ${JAVA_METHODS:+--methods "$JAVA_METHODS"} --out "$OUT" --name "$NAME-java" --command "$CMD"
    csvs+=("$OUT/$NAME-java.csv")
fi
if [ -z "${SKIP_PYTHON:-}" ]; then
    /usr/bin/python3 benchmarks/peers.py run "$@" ${PY_METHODS:+--methods "$PY_METHODS"} --out "$OUT" \
        --name "$NAME-python" --command "$CMD"
    csvs+=("$OUT/$NAME-python.csv")
fi
for f in "$OUT/$NAME-java.csv" "$OUT/$NAME-python.csv"; do
    if [ -f "$f" ] && [[ ! " ${csvs[*]:-} " == *" $f "* ]]; then
        echo "note: $f is from an earlier run and is not combined (benchmarks/peers.py combine takes any files)" >&2
    fi
done
if [ ${#csvs[@]} -eq 0 ]; then
    echo "SKIP_JAVA and SKIP_PYTHON: nothing ran, nothing to combine" >&2
    exit 2
fi
/usr/bin/python3 benchmarks/peers.py combine --out "$OUT" --name "$NAME" --command "$CMD" --label "$LABEL" \
    "${csvs[@]}"
