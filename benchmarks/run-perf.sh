#!/usr/bin/env bash
# Performance benchmarks of issue 5: the project (DJL training, ONNX Runtime / Tribuo inference) against PyTorch
# (Debian python3-torch, /usr/bin/python3) on the same networks and weights, interleaved in one run.
# Writes raw logs to benchmarks/results/perf-raw/ and the tables to benchmarks/results/perf-tables.md
# (benchmarks/results/perf.md quotes them with the discussion).
#
#   benchmarks/run-perf.sh            # everything (~25 min on 2 busy cores)
#   ROUNDS=3 SKIP_TRAIN=1 benchmarks/run-perf.sh   # inference only
#
# Everything runs on 1 thread (libtorch in DJL and PyTorch, ONNX Runtime intra-op) unless a lever says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
SUFFIX=${IAE_BUILD_SUFFIX:--perf}
ROUNDS=${ROUNDS:-3}
OUT=benchmarks/results/perf-raw
mkdir -p "$OUT"
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
PY=/usr/bin/python3
$PY -c 'import torch' 2>/dev/null || { echo "python3-torch missing: apt-get install -y python3-torch" >&2; exit 1; }

machine() {
  echo "date: $(date -u +%FT%TZ)"
  echo "uptime: $(uptime)"
  echo "cpus: $(nproc --all) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "torch: $($PY -c 'import torch; print(torch.__version__)')"
}

echo "== build"
mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl onnx-export,tribuo-iae,examples package -DskipTests
mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl examples dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/classpath.txt" >/dev/null
CP="examples/target$SUFFIX/classes:tribuo-iae/target$SUFFIX/classes:onnx-export/target$SUFFIX/classes:$(cat "$OUT/classpath.txt")"
JAVA=(java -Xss4m -cp "$CP")
JMH=("${JAVA[@]}" org.openjdk.jmh.Main -f 1 -wi 3 -w 1 -i 5 -r 1)

machine | tee "$OUT/machine-start.txt"

echo "== limit: sgemm peak and analytic FLOPs"
$PY benchmarks/perf_torch.py peak | tee "$OUT/peak.txt"
$PY benchmarks/perf_torch.py flops | tee "$OUT/flops.txt"

if [ -z "${SKIP_TRAIN:-}" ]; then
  echo "== training throughput, interleaved project / PyTorch, $ROUNDS rounds"
  : > "$OUT/train.txt"
  for r in $(seq 1 "$ROUNDS"); do
    echo "round $r: $(uptime)" | tee -a "$OUT/train.txt"
    "${JAVA[@]}" -Xmx2g dev.iae.examples.perf.TrainThroughput TABULAR 10000 2 3 1 1 2>/dev/null | tee -a "$OUT/train.txt"
    $PY benchmarks/perf_torch.py train --config TABULAR --examples 10000 --pretrain 2 --epochs 3 --warmup 1 --runs 1 | tee -a "$OUT/train.txt"
    "${JAVA[@]}" -Xmx2g dev.iae.examples.perf.TrainThroughput IMAGE 2000 1 1 1 1 2>/dev/null | tee -a "$OUT/train.txt"
    $PY benchmarks/perf_torch.py train --config IMAGE --examples 2000 --pretrain 1 --epochs 1 --warmup 1 --runs 1 | tee -a "$OUT/train.txt"
  done
fi

echo "== inference: same weights for PyTorch"
"${JAVA[@]}" -Xmx2g dev.iae.examples.perf.WeightExport "$OUT/weights" 2>/dev/null | tee "$OUT/weights.txt"

echo "== inference: PyTorch eager (before the JVM runs)"
$PY benchmarks/perf_torch.py infer --weights "$OUT/weights" | tee "$OUT/torch-infer-1.txt"

echo "== inference: JMH throughput (Tribuo predict / raw ORT / DJL), batch 1, 32, 256"
uptime | tee "$OUT/jmh-infer.uptime"
"${JMH[@]}" InferenceBenchmark -rf json -rff "$OUT/jmh-infer.json" 2>/dev/null | grep -A40 '^Benchmark ' | tee "$OUT/jmh-infer.txt"

echo "== inference: JMH single-example latency (sample mode)"
uptime | tee "$OUT/jmh-latency.uptime"
"${JMH[@]}" InferenceBenchmark -p batch=1 -bm sample -tu us -rf json -rff "$OUT/jmh-latency.json" 2>/dev/null \
  | grep -A80 '^Benchmark ' | grep -v 'p0.00\|p0.90\|p0.999\|p0.9999\|p1.00' | tee "$OUT/jmh-latency.txt"

echo "== inference: PyTorch eager (after the JVM runs)"
$PY benchmarks/perf_torch.py infer --weights "$OUT/weights" | tee "$OUT/torch-infer-2.txt"

echo "== levers"
uptime | tee "$OUT/jmh-levers.uptime"
"${JMH[@]}" LeverBenchmark -p optLevel=ALL_OPT,BASIC_OPT -p threads=1 -p chunk=256 -p batch=256 \
  -rf json -rff "$OUT/jmh-levers-opt.json" 2>/dev/null | grep -A40 '^Benchmark ' | tee "$OUT/jmh-levers-opt.txt"
"${JMH[@]}" 'LeverBenchmark.rawDirect' -p optLevel=ALL_OPT -p threads=2 -p batch=256 \
  -rf json -rff "$OUT/jmh-levers-threads.json" 2>/dev/null | grep -A40 '^Benchmark ' | tee "$OUT/jmh-levers-threads.txt"
"${JMH[@]}" 'LeverBenchmark.tribuoChunked' -p config=TABULAR -p optLevel=ALL_OPT -p batch=4096 -p chunk=64,256,1024,4096 \
  -rf json -rff "$OUT/jmh-levers-chunk.json" 2>/dev/null | grep -A40 '^Benchmark ' | tee "$OUT/jmh-levers-chunk.txt"

echo "== memory: 1,000,000 tabular rows streamed with -Xmx256m"
# (1) in one process with the training (DJL loaded); (2) a fresh process that only loads the saved model (no DJL).
java -Xss4m -Xmx256m -cp "$CP" dev.iae.examples.perf.ScoreMemory 1000000 4096 2>/dev/null | tee "$OUT/score-memory.txt"
rm -f "$OUT/tabular-model.pb"
"${JAVA[@]}" -Xmx1g dev.iae.examples.perf.ScoreMemory 0 4096 "$OUT/tabular-model.pb" 2>/dev/null | tee -a "$OUT/score-memory.txt"
java -Xss4m -Xmx256m -cp "$CP" dev.iae.examples.perf.ScoreMemory 1000000 4096 "$OUT/tabular-model.pb" 2>/dev/null | tee -a "$OUT/score-memory.txt"

machine | tee "$OUT/machine-end.txt"
# Binary intermediates (weights, model, class path) are not results.
rm -rf "$OUT/weights" "$OUT/tabular-model.pb" "$OUT/classpath.txt"
$PY benchmarks/perf_report.py "$OUT" | tee benchmarks/results/perf-tables.md
