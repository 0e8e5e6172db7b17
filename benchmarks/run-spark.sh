#!/usr/bin/env bash
# Spark scoring benchmark (issue 7): rows/s of Spark local[2] (dev.iae.spark.ScoreTable: IaeSparkScorer on 2 task
# threads) vs the single-JVM streaming scorer (`iae score`, dev.iae.examples.cli.IaeCli) on the SAME generated CSV,
# both reading the CSV, scoring with the same ONNX model (batches/chunks of 4096 rows, 1 ONNX Runtime thread per
# session) and writing id,score,type as CSV. Rounds alternate the two; medians and the ratio go to
# benchmarks/results/spark.md, the raw log to benchmarks/results/spark-raw.txt. Run on a quiet machine.
#
#   benchmarks/run-spark.sh                    # 1,000,000 rows, 3 rounds
#   ROWS=20000 ROUNDS=1 OUT=/tmp/spark-bench benchmarks/run-spark.sh   # quick check (results to /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
SUFFIX=${IAE_BUILD_SUFFIX:--sparkbench}
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
FEATURES=${FEATURES:-16}
TINY=1000
OUT=${OUT:-benchmarks/results}
WORK=${WORK:-$(mktemp -d /tmp/iae-spark-bench.XXXXXX)}
RAW="$OUT/spark-raw.txt"
mkdir -p "$OUT" "$WORK"
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1
PY=python3

echo "== build (suffix $SUFFIX)"
mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl examples,spark-scorer -am package -DskipTests
mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl examples dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$WORK/cli-cp.txt" >/dev/null
# compile scope includes provided: Spark itself (a cluster provides it; here the JVM needs it on the class path).
mvn -B -q -o -Diae.buildSuffix="$SUFFIX" -pl spark-scorer dependency:build-classpath -Dmdep.includeScope=compile \
    -Dmdep.outputFile="$WORK/spark-cp.txt" >/dev/null
CLI_CP="examples/target$SUFFIX/classes:tribuo-iae/target$SUFFIX/classes:onnx-export/target$SUFFIX/classes:$(cat "$WORK/cli-cp.txt")"
SPARK_CP="spark-scorer/target$SUFFIX/classes:$(cat "$WORK/spark-cp.txt")"
OPENS=$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' spark-scorer/pom.xml)
# Same heap for both. The CLI gets -Xss4m as examples/bin/iae does; the Spark side runs with default stacks
# (IaeSparkScorer loads ONNX Runtime on its own big-stack thread).
CLI=(java -Xmx2g -Xss4m -DOPT_OUT_TRACKING=true -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1
     -Dai.djl.pytorch.num_interop_threads=1 -cp "$CLI_CP" dev.iae.examples.cli.IaeCli)
SPARK=(env SPARK_LOCAL_IP=127.0.0.1 java -Xmx2g $OPENS -Dspark.ui.enabled=false -Dspark.driver.host=127.0.0.1
       -Dlog4j2.configurationFile="$WORK/log4j2.properties" -cp "$SPARK_CP" dev.iae.spark.ScoreTable --master 'local[2]')
printf 'rootLogger.level = warn\nrootLogger.appenderRef.stderr.ref = console\nappender.console.type = Console\nappender.console.name = console\nappender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %%p %%c{1}: %%m%%n\nlogger.native.name = org.apache.hadoop.util.NativeCodeLoader\nlogger.native.level = error\n' > "$WORK/log4j2.properties"

echo "== data: $ROWS rows x $FEATURES features, training data, model (in $WORK)"
$PY benchmarks/spark_bench.py generate "$WORK/data.csv" "$ROWS" "$FEATURES" 0
$PY benchmarks/spark_bench.py generate "$WORK/tiny.csv" "$TINY" "$FEATURES" 0
$PY benchmarks/spark_bench.py generate "$WORK/train.csv" 20000 "$FEATURES" 10000000 --normal
MODEL_OPTS="--encoder-sizes 32,16 --lstm-hidden 16 --rep-dim 8 --pretrain-epochs 2 --epochs 3 --seed 1"
"${CLI[@]}" train --csv "$WORK/train.csv" --ignore-column id --output "$WORK/model" $MODEL_OPTS 2>&1 | tail -2
# IaeModel (hence `iae score`) runs the graph cut down to the score output (ScoreGraphPruner: ONNX Runtime would
# otherwise run the decoder for nothing); the Spark side gets the same cut, so both compute exactly the same.
java -Xss4m -cp "spark-scorer/target$SUFFIX/test-classes:$CLI_CP" dev.iae.spark.ScoreOnlyGraph "$WORK/model.onnx" \
    "$WORK/model-score.onnx"

now() { date +%s.%N; }
run_cli() {  # $1 = input csv, $2 = output csv
  "${CLI[@]}" score --model "$WORK/model.onnx" --csv "$1" --keep-column id --chunk-size 4096 --device CPU \
      --output "$2" 2>"$WORK/cli.log"
}
run_spark() {  # $1 = input csv, $2 = output dir
  "${SPARK[@]}" --model "$WORK/model-score.onnx" --input "$1" --output "$2" --keep id --key id --batch-size 4096 \
      2>"$WORK/spark.log"
  grep -o 'job [0-9.]*' "$WORK/spark.log" | cut -d' ' -f2
}

{
  echo "# command: ROWS=$ROWS ROUNDS=$ROUNDS FEATURES=$FEATURES benchmarks/run-spark.sh"
  echo "# date: $(date -u +%FT%TZ)"
  echo "# uptime-start: $(uptime)"
  echo "# cpus: $(nproc --all) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "# java: $(java -version 2>&1 | head -1)"
  echo "# spark: $(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' spark-scorer/pom.xml)"
  echo "# rows: $ROWS"
  echo "# features: $FEATURES"
  echo "# tiny-rows: $TINY"
  echo "# csv-size: $(du -h "$WORK/data.csv" | cut -f1)"
  echo "# model: IAE_LSTM_KL $MODEL_OPTS ($(du -h "$WORK/model.onnx" | cut -f1) ONNX; score-only cut $(du -h "$WORK/model-score.onnx" | cut -f1))"
} > "$RAW"

echo "== warm-up (page cache, JIT-independent: each run is a fresh JVM)"
run_cli "$WORK/tiny.csv" "$WORK/tiny-cli.csv"
run_spark "$WORK/tiny.csv" "$WORK/tiny-spark" > /dev/null
cat "$WORK/data.csv" > /dev/null

for r in $(seq 1 "$ROUNDS"); do
  echo "load $r: $(uptime)" | tee -a "$RAW"
  t0=$(now); run_cli "$WORK/tiny.csv" "$WORK/tiny-cli.csv"; t1=$(now)
  echo "run $r tiny-cli wall=$(echo "$t1 - $t0" | bc)" | tee -a "$RAW"
  t0=$(now); job=$(run_spark "$WORK/tiny.csv" "$WORK/tiny-spark"); t1=$(now)
  echo "run $r tiny-spark wall=$(echo "$t1 - $t0" | bc) job=$job" | tee -a "$RAW"
  t0=$(now); run_cli "$WORK/data.csv" "$WORK/cli-out.csv"; t1=$(now)
  echo "run $r cli wall=$(echo "$t1 - $t0" | bc)" | tee -a "$RAW"
  t0=$(now); job=$(run_spark "$WORK/data.csv" "$WORK/spark-out"); t1=$(now)
  echo "run $r spark wall=$(echo "$t1 - $t0" | bc) job=$job" | tee -a "$RAW"
done
echo "# uptime-end: $(uptime)" >> "$RAW"
tail -1 "$WORK/cli.log" | sed 's/^/cli: /' | tee -a "$RAW"
grep 'spark-timing' "$WORK/spark.log" | sed 's/^/spark: /' | tee -a "$RAW"

echo "== the two outputs agree"
CMP=$($PY benchmarks/spark_bench.py compare "$WORK/cli-out.csv" "$WORK/spark-out" "$ROWS")
echo "$CMP"
echo "# compare: ${CMP#compare: }" >> "$RAW"
$PY benchmarks/spark_bench.py report "$RAW" "$OUT/spark.md"
echo "wrote $OUT/spark.md and $RAW (work files in $WORK)"
