#!/usr/bin/python3
"""Turns the raw logs of benchmarks/run-perf.sh (benchmarks/results/perf-raw/) into markdown tables.

Usage: perf_report.py RAW_DIR   (prints markdown on stdout)
"""
import glob
import json
import os
import re
import statistics
import sys


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def lines(path, prefix):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [kv(l) for l in f if l.startswith(prefix)]


def jmh(path):
    """{(benchmark method, params tuple): result dict} from a JMH JSON file."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    out = {}
    for r in data:
        m = r["benchmark"].rsplit(".", 1)[1]
        out[(m, tuple(sorted(r.get("params", {}).items())))] = r
    return out


def find(res, method, **params):
    for (m, p), r in res.items():
        d = dict(p)
        if m == method and all(d.get(k) == str(v) for k, v in params.items()):
            return r
    return None


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def jmh_rate(res, method, cfg, b):
    """Examples/s of a JMH inference benchmark (ops/s x batch), NaN when it did not run."""
    r = find(res, method, config=cfg, batch=b)
    return r["primaryMetric"]["score"] * b if r else float("nan")


def torch_rate(torch_rows, cfg, b, variant):
    """Median examples/s over all one-second rounds of PyTorch eager's `variant` (score_only / full)."""
    rs = []
    for d in torch_rows:
        if d["config"] == cfg and int(d["batch"]) == b and d["impl"] == "pytorch-eager-" + variant:
            rs += [float(x) * b for x in d["rounds"].split(",")]
    return med(rs)


def main():
    raw = sys.argv[1]
    out = []
    p = out.append
    for name in ("machine-start.txt", "machine-end.txt"):
        if os.path.exists(os.path.join(raw, name)):
            p("**%s**\n\n```\n%s```\n" % (name[:-4], open(os.path.join(raw, name)).read()))
    peak = lines(os.path.join(raw, "peak.txt"), "PEAK")
    peak_g = float(peak[0]["gflops_median"]) if peak else float("nan")
    flops = {d["config"]: d for d in lines(os.path.join(raw, "flops.txt"), "FLOPS")}

    # Training.
    tr = [d for d in lines(os.path.join(raw, "train.txt"), "TRAIN") if d["run"] != "warmup"]
    if tr:
        p("### Training throughput (examples/s, 1 thread, measured runs after one warm-up run per process)\n")
        p("| configuration | project (DJL) runs | median | PyTorch runs | median | project / PyTorch | achieved GFLOP/s project / PyTorch (% of sgemm peak) |")
        p("|---|---|---|---|---|---|---|")
        for cfg in ("TABULAR", "IMAGE"):
            pr = [float(d["examples_per_s"]) for d in tr if d["config"] == cfg and d["impl"] == "project"]
            py = [float(d["examples_per_s"]) for d in tr if d["config"] == cfg and d["impl"] == "pytorch"]
            if not pr or not py:
                continue
            f = float(flops[cfg]["train_per_example"]) if cfg in flops else float("nan")
            gp, gt = med(pr) * f / 1e9, med(py) * f / 1e9
            p("| %s | %s | %.0f | %s | %.0f | **%.2f** | %.2f / %.2f (%.1f%% / %.1f%%) |" % (
                cfg, ", ".join("%.0f" % v for v in pr), med(pr), ", ".join("%.0f" % v for v in py), med(py),
                med(pr) / med(py), gp, gt, 100 * gp / peak_g, 100 * gt / peak_g))
        p("")

    # Inference throughput.
    inf = jmh(os.path.join(raw, "jmh-infer.json"))
    torch_rows = []
    for fn in sorted(glob.glob(os.path.join(raw, "torch-infer-*.txt"))):
        torch_rows += lines(fn, "INFER")
    if inf:
        p("### Inference throughput (examples/s = JMH ops/s × batch; 1 thread; PyTorch: median of all one-second rounds "
          "of the runs before and after the JVM runs)\n")
        p("| config | batch | Tribuo predict (ORT, pruned graph) | raw ORT, pruned graph | raw ORT, full graph | DJL infer | "
          "PyTorch eager, score only | PyTorch eager, full | ORT pruned / PyTorch score-only | ORT full / PyTorch full | "
          "Tribuo-layer overhead (time) |")
        p("|---|---|---|---|---|---|---|---|---|---|---|")
        for cfg in ("TABULAR", "IMAGE"):
            for b in (1, 32, 256):
                tri, raw_p, raw_f, djl = (jmh_rate(inf, m, cfg, b)
                                          for m in ("tribuoPredict", "ortRaw", "ortRawFull", "djlInfer"))
                ts, tf = torch_rate(torch_rows, cfg, b, "score_only"), torch_rate(torch_rows, cfg, b, "full")
                p("| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | **%.2f×** | %.2f× | **%+.1f %%** |" % (
                    cfg, b, tri, raw_p, raw_f, djl, ts, tf, raw_p / ts, raw_f / tf, 100 * (raw_p / tri - 1)))
        p("")
        p("Tribuo-layer overhead = (time per example of `IaeModel.predict(Iterable)`) / (time per example of a raw "
          "`OrtSession.run` of the same graph on the same rows, pre-packed in a direct buffer) − 1.\n")
        # Achieved GFLOP/s at batch 256.
        p("### Achieved GFLOP/s at batch 256 (analytic FLOPs × examples/s) vs single-core sgemm peak %.1f GFLOP/s\n" % peak_g)
        p("| config | FLOPs/example full graph | FLOPs/example score only | raw ORT pruned | raw ORT full | DJL (full) | PyTorch score only | PyTorch full |")
        p("|---|---|---|---|---|---|---|---|")
        for cfg in ("TABULAR", "IMAGE"):
            if cfg not in flops:
                continue
            ff, fs = float(flops[cfg]["infer_full"]), float(flops[cfg]["infer_score_only"])
            b = 256

            def e(m):
                return jmh_rate(inf, m, cfg, b)

            def t(variant):
                return torch_rate(torch_rows, cfg, b, variant)

            def g(x, f):
                return "%.2f (%.1f%%)" % (x * f / 1e9, 100 * x * f / 1e9 / peak_g)
            p("| %s | %.3g | %.3g | %s | %s | %s | %s | %s |" % (cfg, ff, fs, g(e("ortRaw"), fs), g(e("ortRawFull"), ff),
                                                           g(e("djlInfer"), ff), g(t("score_only"), fs), g(t("full"), ff)))
        p("")

    lat = jmh(os.path.join(raw, "jmh-latency.json"))
    tl = []
    for fn in sorted(glob.glob(os.path.join(raw, "torch-infer-*.txt"))):
        tl += lines(fn, "LATENCY")
    if lat:
        p("### Single-example latency (µs, p50 / p99; JMH sample mode; PyTorch: perf_counter_ns around each call)\n")
        p("| config | Tribuo predict | raw ORT pruned | raw ORT full | DJL infer | PyTorch eager full |")
        p("|---|---|---|---|---|---|")
        for cfg in ("TABULAR", "IMAGE"):
            cells = []
            for m in ("tribuoPredict", "ortRaw", "ortRawFull", "djlInfer"):
                r = find(lat, m, config=cfg, batch=1)
                if r:
                    pc = r["primaryMetric"]["scorePercentiles"]
                    cells.append("%.1f / %.1f" % (pc["50.0"], pc["99.0"]))
                else:
                    cells.append("n/a")
            pt = [d for d in tl if d["config"] == cfg]
            cells.append(" ; ".join("%s / %s" % (d["p50_us"], d["p99_us"]) for d in pt) or "n/a")
            p("| %s | %s |" % (cfg, " | ".join(cells)))
        p("")

    lev = {}
    for fn in ("jmh-levers-opt.json", "jmh-levers-threads.json", "jmh-levers-chunk.json"):
        lev.update(jmh(os.path.join(raw, fn)))
    if lev:
        p("### Levers (JMH, examples/s = ops/s × batch)\n")
        p("| benchmark | config | batch | opt level | threads | chunk | examples/s | ± (99.9% CI) |")
        p("|---|---|---|---|---|---|---|---|")
        for (m, params), r in sorted(lev.items()):
            d = dict(params)
            b = int(d["batch"])
            p("| %s | %s | %d | %s | %s | %s | %.0f | %.0f |" % (m, d["config"], b, d["optLevel"], d["threads"],
                                                              d["chunk"], r["primaryMetric"]["score"] * b,
                                                              (r["primaryMetric"]["scoreError"] or 0) * b))
        p("")

    mem = lines(os.path.join(raw, "score-memory.txt"), "SCOREMEM ")
    if mem:
        p("### Streaming 1,000,000 tabular rows with -Xmx256m\n")
        p("| model | rows | chunk | seconds | rows/s | max heap (MiB) | peak heap used (MiB, sum of pool peaks) | VmHWM at end (MiB) | VmHWM before scoring (MiB) |")
        p("|---|---|---|---|---|---|---|---|---|")
        for m in mem:
            p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                m.get("model", "trained-in-process"), m["rows"], m["chunk"], m["seconds"], m["rows_per_s"],
                m["max_heap_mib"], m["peak_heap_used_mib"], m["vmhwm_mib"],
                m.get("vmhwm_after_model_mib", m.get("vmhwm_after_training_mib"))))
        p("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
