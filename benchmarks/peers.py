#!/usr/bin/python3
"""Peer methods for the one-class benchmarks, run side by side with the Java runner.

Runs with Debian's /usr/bin/python3 and Debian packages only (python3-numpy, python3-sklearn, python3-torch;
python3-pil for CIFAR-10 JPEG decoding):

  * IFOREST_SKLEARN  scikit-learn IsolationForest (100 trees), pixels scaled to [0, 1], score = -score_samples
  * OCSVM_SKLEARN    scikit-learn OneClassSVM (RBF, nu = 0.1, gamma = 'scale'), pixels in [0, 1],
                     score = -decision_function
  * DEEP_SVDD_TORCH  PyTorch Deep SVDD with the same LeNet network as the Java IAE trainer's image encoder
                     (bias-free 5x5 convs, BatchNorm without affine, LeakyReLU(0.01), 2x2 max-pool; zero padding to
                     32x32 after normalisation), GCN-l1 + min-max pre-processing fitted on the training split (the
                     Java CIFAR-10 setting and DESIGN.md's; the Java Fashion-MNIST setting is one global min-max
                     range, which DEEP_SVDD_TORCH_PIXELS matches), autoencoder pre-training (same decoder layout),
                     centre rule |c_j| < 0.1 -> +-0.1, hard one-class objective, Adam with the same learning rate,
                     weight decay and milestone; PyTorch's default initial weights (the Java runner uses DJL's)
  * DEEP_SVDD_TORCH_PIXELS  the same Deep SVDD on plain pixels/255 instead of GCN-l1 + min-max (the small
                     PyTorch Deep SVDD peer of DESIGN.md section 8 used [0, 1] pixels)

Data and splits are the Java runner's: the same IDX / CIFAR-10 (JPEG) files, images ordered by class and file number
(CIFAR-10), the first --max-normal normal images, and the SAME contamination draw: OneClassSplit's partial
Fisher-Yates shuffle driven by java.util.SplittableRandom(seed), re-implemented bit for bit below
(check with the print-split subcommand against the Java class).

Output: <out>/<name>.csv (the Java runner's columns) and <out>/<name>.md (the same layout); with --save-scores true
also <out>/<name>-scores.csv.gz, every scored example's score (the Java runner's ScoreFile format). The subcommand
`combine` merges CSV files (Java and Python) into one Markdown + CSV table; `sweep` lays contamination-sweep
results out as method x contamination ratio; `add-scores` adds the saved per-example scores of several result rows
(e.g. two models trained on different pre-processings) and evaluates the sum, without training again.

Usage:
  /usr/bin/python3 benchmarks/peers.py run --dataset fashion-mnist --classes 0,1 --seeds 1 --max-normal 2000
  /usr/bin/python3 benchmarks/peers.py combine --out benchmarks/results --name combined a.csv b.csv
  /usr/bin/python3 benchmarks/peers.py sweep --name fashion-mnist-contamination a.csv b.csv
  /usr/bin/python3 benchmarks/peers.py add-scores --name sum --method-name GCN+GLOBAL \
      --part a-java.csv 'IAE_LSTM_KL@norm=GCN_L1_MIN_MAX' --part b-java.csv 'IAE_LSTM_KL@norm=GLOBAL_MIN_MAX'
  /usr/bin/python3 benchmarks/peers.py add-scores --name seeds --method-name 'IAE_LSTM_KL@seeds=s+s+1' \
      --part a-java.csv IAE_LSTM_KL --part a-java.csv IAE_LSTM_KL 1     (seed sum from a run with --seeds 1,2)
"""
import argparse
import csv
import functools
import gzip
import hashlib
import io
import math
import os
import platform
import struct
import sys
import tarfile
import time
import zlib
from collections import OrderedDict, namedtuple
from datetime import datetime, timezone

import numpy as np

CSV_HEADER = ("implementation,dataset,method,normal_class,seed,contamination,max_normal,n_train,n_test,auroc,"
              "average_precision,train_seconds,score_seconds").split(",")
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"
METHODS = ["IFOREST_SKLEARN", "OCSVM_SKLEARN", "DEEP_SVDD_TORCH", "DEEP_SVDD_TORCH_PIXELS"]

# Deep SVDD settings: the Java BenchmarkConfig's (dev.iae.examples.benchmark.BenchmarkConfig); keep them in step.
CONFIG = {
    "fashion-mnist": dict(channels=(16, 32, 64), rep_dim=64),
    "cifar10-jpeg": dict(channels=(32, 64, 128), rep_dim=128),
}
PRETRAIN_EPOCHS = 20
EPOCHS = 30
LR_MILESTONE = 20
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.5e-6
BN_EPS = 1e-5
GCN_EPS = 1e-6
OCSVM_NU = 0.1


# ----------------------------------------------------------------------------------------------------------- splits

class JavaSplittableRandom:
    """java.util.SplittableRandom(seed): nextInt() and nextInt(bound), bit-identical to JDK 17+."""
    GOLDEN_GAMMA = 0x9e3779b97f4a7c15
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.seed = seed & self.MASK

    def _next_int(self):
        self.seed = (self.seed + self.GOLDEN_GAMMA) & self.MASK
        z = self.seed
        z = ((z ^ (z >> 33)) * 0x62a9d9ed799705f5) & self.MASK
        z = (((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3) & self.MASK) >> 32
        return z - (1 << 32) if z >= (1 << 31) else z  # as a signed int

    @staticmethod
    def _i32(x):
        x &= 0xFFFFFFFF
        return x - (1 << 32) if x >= (1 << 31) else x

    def next_int(self, bound):
        m = bound - 1
        r = self._next_int()
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if self._i32(u + m - r) >= 0:
                return r
            u = (self._next_int() & 0xFFFFFFFF) >> 1


def training_indices(labels, normal_class, contamination, max_normal, seed):
    """dev.iae.examples.data.OneClassSplit.trainingIndices, same order and same draw."""
    normal = [i for i, y in enumerate(labels) if y == normal_class]
    if max_normal > 0:
        normal = normal[:max_normal]
    others = [i for i, y in enumerate(labels) if y != normal_class]
    if not normal:
        raise ValueError("No training example of normal class %d" % normal_class)
    n_contam = int(math.floor(len(normal) * contamination / (1.0 - contamination) + 0.5))  # Math.round
    if n_contam > len(others):
        raise ValueError("Contamination %g needs %d other images, only %d" % (contamination, n_contam, len(others)))
    pool = list(others)
    rng = JavaSplittableRandom(seed)
    out = list(normal)
    for i in range(n_contam):
        j = i + rng.next_int(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
        out.append(pool[i])
    return np.asarray(out, dtype=np.int64)


# ------------------------------------------------------------------------------------------------------------- data

def read_idx(path):
    """An IDX file as a numpy array plus the SHA-256 of its uncompressed bytes. Like the Java IdxReader, gzip is
    detected from the data (magic bytes 1f 8b), not from the file name."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ValueError("%s starts like gzip data but cannot be decompressed: %s" % (path, e)) from e
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims), hashlib.sha256(data).hexdigest()


def find_idx(directory, base):
    for name in (base + ".gz", base):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError("Neither %s.gz nor %s in %s" % (base, base, directory))


def load_fashion(directory):
    """Returns (train_x [N,1,28,28] uint8, train_y, test_x, test_y, fingerprint)."""
    out = []
    hashes = []
    for prefix in ("train", "t10k"):
        x, hx = read_idx(find_idx(directory, prefix + "-images-idx3-ubyte"))
        y, hy = read_idx(find_idx(directory, prefix + "-labels-idx1-ubyte"))
        out += [x[:, None, :, :], y.astype(np.int64)]
        hashes += [hx[:12], hy[:12]]
    return out + ["uncompressed SHA-256 prefixes " + " ".join(hashes)]


def load_cifar(location):
    """CIFAR-10 JPEGs from the archive (or a directory), ordered by class then file number; CHW uint8."""
    from PIL import Image
    entries = {"train": [], "test": []}

    def add(path, data):
        parts = path.replace("\\", "/").lstrip("./").split("/")
        # Like Cifar10DataSource: only split/class/NNNN.jpg, skipping macOS "._" resource-fork files.
        if len(parts) < 3 or parts[-3] not in entries or not parts[-1].lower().endswith((".jpg", ".jpeg")) \
                or parts[-1].startswith("._"):
            return
        if parts[-2] not in CIFAR_CLASSES:
            raise ValueError("Unknown CIFAR-10 class folder %r in %s" % (parts[-2], path))
        digits = "".join(ch for ch in parts[-1] if ch.isdigit())
        entries[parts[-3]].append((CIFAR_CLASSES.index(parts[-2]), int(digits) if digits else 2 ** 31 - 1,
                                   "/".join(parts[-3:]), data))

    if os.path.isdir(location):
        for root, _, files in os.walk(location):
            for f in files:
                p = os.path.join(root, f)
                with open(p, "rb") as fh:
                    add(os.path.relpath(p, location), fh.read())
        fingerprint = "directory " + location
    else:
        h = hashlib.sha256()
        with open(location, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        with tarfile.open(location, "r:*") as tar:
            for m in tar:
                if m.isfile():
                    add(m.name, tar.extractfile(m).read())
        fingerprint = "sha256 " + h.hexdigest()
    result = []
    for split in ("train", "test"):
        items = sorted(entries[split], key=lambda e: (e[0], e[1], e[2]))
        xs = np.stack([np.asarray(Image.open(io.BytesIO(e[3])).convert("RGB"), dtype=np.uint8).transpose(2, 0, 1)
                       for e in items])
        ys = np.asarray([e[0] for e in items], dtype=np.int64)
        result += [xs, ys]
    return result + [fingerprint]


# ---------------------------------------------------------------------------------------------------------- metrics

def checked_labels_and_scores(is_anomalous, scores):
    """The labels and scores as numpy arrays; refuses NaN scores and a set without both kinds of example (the Java
    ScoreEvaluation refuses the same)."""
    y = np.asarray(is_anomalous, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if len(y) != len(s):
        raise ValueError("%d labels for %d scores" % (len(y), len(s)))
    if np.isnan(s).any():
        raise ValueError("NaN score at index %d" % int(np.flatnonzero(np.isnan(s))[0]))
    if y.all() or not y.any():
        raise ValueError("AUROC and average precision need both anomalous and expected examples")
    return y, s


def auroc(is_anomalous, scores):
    """Mann-Whitney AUROC with average ranks for ties (anomalous = positive)."""
    y, s = checked_labels_and_scores(is_anomalous, scores)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return (ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def average_precision(is_anomalous, scores):
    """Average precision, anomalous = positive: sum over the distinct score thresholds, from the highest, of
    (recall gained) x (precision there), examples with equal scores entering together; scikit-learn's
    average_precision_score and the Java ScoreEvaluation compute the same (numpy only, so the tables' tools run
    without scikit-learn)."""
    y, s = checked_labels_and_scores(is_anomalous, scores)
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    last = np.r_[np.nonzero(s_sorted[1:] != s_sorted[:-1])[0], len(s) - 1]  # last of each group of equal scores
    tp = np.cumsum(y[order])[last]
    precision = tp / (last + 1.0)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


# ------------------------------------------------------------------------------------------------------ score files

SCORE_HEADER = "method,normal_class,seed,contamination,index,anomalous,score"


def scores_path(results_csv):
    """The score file beside a results CSV: x.csv -> x-scores.csv.gz (both runners' --save-scores)."""
    base = results_csv[:-4] if results_csv.endswith(".csv") else results_csv
    return base + "-scores.csv.gz"


def start_scores(path):
    """Starts a score file (replacing an earlier one) with the header line, as a gzip member of its own."""
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(SCORE_HEADER + "\n")


def append_scores(path, method, normal_class, seed, contamination, is_anomalous, scores):
    """Appends one result row's scores as a gzip member of its own (a run stopped between two rows keeps every block
    written before)."""
    if any(c in method for c in ",\n\r"):
        raise ValueError("Method name %r cannot be a CSV field" % method)
    prefix = "%s,%d,%d,%s," % (method, normal_class, seed, fmt(contamination, 4))
    with gzip.open(path, "at", encoding="utf-8") as f:
        f.write("".join("%s%d,%d,%r\n" % (prefix, i, int(a), float(v))
                        for i, (a, v) in enumerate(zip(is_anomalous, scores))))


def read_scores(path, method):
    """The blocks of one method in a score file: {(normal_class, seed, contamination "0.0000"): (anomalous bool
    array, scores float64 array)}, in index order; refuses a file whose blocks are not whole (missing or repeated
    indices)."""
    if not os.path.exists(path):
        sys.exit("%s: no score file beside the results table (run with --save-scores true)" % path)
    blocks = OrderedDict()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            header = f.readline().rstrip("\n")
            if header != SCORE_HEADER:
                sys.exit("%s: not a score file (header %r)" % (path, header))
            for line in f:
                m, k, seed, r, i, a, v = line.rstrip("\n").rsplit(",", 6)
                if m != method:
                    continue
                b = blocks.setdefault((int(k), int(seed), r), ([], [], []))
                b[0].append(int(i))
                b[1].append(a == "1")
                b[2].append(float(v))
    except (EOFError, OSError, zlib.error) as e:
        sys.exit("%s: cannot be read to the end (%s): a run killed while writing it leaves its last block cut; "
                 "the blocks before it are whole, but this tool reads only whole files" % (path, e))
    out = OrderedDict()
    for key, (idx, anom, val) in blocks.items():
        if idx != list(range(len(idx))):
            sys.exit("%s: method %s class %d seed %d r=%s: the indices are not 0..n-1 once each (a run written "
                     "twice?)" % ((path, method) + key))
        out[key] = (np.array(anom, dtype=bool), np.array(val, dtype=np.float64))
    if not out:
        sys.exit("%s holds no scores of method %s" % (path, method))
    return out


# ---------------------------------------------------------------------------------------------------------- methods

def gcn_l1(x):
    x = x.reshape(len(x), -1).astype(np.float32)
    x = x - x.mean(axis=1, keepdims=True)
    return x / np.maximum(np.abs(x).mean(axis=1, keepdims=True), GCN_EPS)


def make_deep_svdd(torch, channels_in, size, channels, rep_dim):
    nn = torch.nn
    padded = int(math.ceil(size / float(1 << len(channels))) * (1 << len(channels)))
    bottom = padded >> len(channels)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            layers = []
            c = channels_in
            for ch in channels:
                layers += [nn.Conv2d(c, ch, 5, padding=2, bias=False), nn.BatchNorm2d(ch, eps=BN_EPS, affine=False),
                           nn.LeakyReLU(0.01), nn.MaxPool2d(2)]
                c = ch
            self.net = nn.Sequential(*layers)
            self.fc = nn.Linear(channels[-1] * bottom * bottom, rep_dim, bias=False)

        def forward(self, x):
            pad = padded - size
            x = nn.functional.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
            return self.fc(self.net(x).flatten(1))

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn0 = nn.BatchNorm1d(rep_dim, eps=BN_EPS, affine=False)
            layers = []
            c = rep_dim // (bottom * bottom)
            for ch in reversed(channels):
                layers += [nn.Conv2d(c, ch, 5, padding=2, bias=False), nn.BatchNorm2d(ch, eps=BN_EPS, affine=False),
                           nn.LeakyReLU(0.01), nn.Upsample(scale_factor=2, mode="nearest")]
                c = ch
            layers += [nn.Conv2d(c, channels_in, 5, padding=2, bias=False), nn.Sigmoid()]
            self.net = nn.Sequential(*layers)

        def forward(self, z):
            h = nn.functional.leaky_relu(self.bn0(z).view(len(z), -1, bottom, bottom), 0.01)
            out = self.net(h)
            pad = padded - size
            return out[:, :, pad // 2:pad // 2 + size, pad // 2:pad // 2 + size]

    return Encoder(), Decoder()


def deep_svdd(train_x, test_x, seed, cfg, pretrain_epochs, epochs, gcn=True):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np_rng = np.random.RandomState(seed)
    c_in, size = train_x.shape[1], train_x.shape[2]
    if gcn:
        # GCN-l1 per image, then one global min-max fitted on the training split.
        g_train = gcn_l1(train_x)
        lo, hi = float(g_train.min()), float(g_train.max())
        scale = 1.0 / (hi - lo) if hi > lo else 1.0
        xt = torch.from_numpy(((g_train - lo) * scale).reshape(train_x.shape).astype(np.float32))
        xs = torch.from_numpy(((gcn_l1(test_x) - lo) * scale).reshape(test_x.shape).astype(np.float32))
    else:
        xt = torch.from_numpy(train_x.astype(np.float32) / 255.0)
        xs = torch.from_numpy(test_x.astype(np.float32) / 255.0)
    enc, dec = make_deep_svdd(torch, c_in, size, cfg["channels"], cfg["rep_dim"])
    n = len(xt)

    def batches():
        perm = np_rng.permutation(n)
        for i in range(0, n, BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            if len(idx) >= 2:
                yield xt[idx]

    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    enc.train(); dec.train()
    for _ in range(pretrain_epochs):
        for xb in batches():
            opt.zero_grad()
            loss = ((dec(enc(xb)) - xb) ** 2).mean()
            loss.backward()
            opt.step()
    enc.eval()
    with torch.no_grad():
        c = torch.cat([enc(xt[i:i + 256]) for i in range(0, n, 256)]).mean(0)
    c[(c.abs() < 0.1) & (c < 0)] = -0.1
    c[(c.abs() < 0.1) & (c >= 0)] = 0.1
    milestone = LR_MILESTONE if epochs == EPOCHS else int(round(epochs * LR_MILESTONE / float(EPOCHS)))
    opt = torch.optim.Adam(enc.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[milestone] if 0 < milestone < epochs else [],
                                                 gamma=0.1)
    enc.train()
    for _ in range(epochs):
        for xb in batches():
            opt.zero_grad()
            loss = ((enc(xb) - c) ** 2).sum(1).mean()
            loss.backward()
            opt.step()
        sched.step()
    enc.eval()
    t1 = time.time()
    with torch.no_grad():
        scores = torch.cat([((enc(xs[i:i + 256]) - c) ** 2).sum(1) for i in range(0, len(xs), 256)]).numpy()
    return scores, t1


def run_method(method, train_x, test_x, seed, dataset, pretrain_epochs, epochs):
    """Returns (scores, train_seconds, score_seconds)."""
    t0 = time.time()
    if method in ("DEEP_SVDD_TORCH", "DEEP_SVDD_TORCH_PIXELS"):
        scores, t1 = deep_svdd(train_x, test_x, seed, CONFIG[dataset], pretrain_epochs, epochs,
                               gcn=method == "DEEP_SVDD_TORCH")
        return scores, t1 - t0, time.time() - t1
    a = train_x.reshape(len(train_x), -1).astype(np.float32) / 255.0
    b = test_x.reshape(len(test_x), -1).astype(np.float32) / 255.0
    if method == "IFOREST_SKLEARN":
        from sklearn.ensemble import IsolationForest
        model = IsolationForest(n_estimators=100, random_state=seed).fit(a)
        t1 = time.time()
        scores = -model.score_samples(b)
    elif method == "OCSVM_SKLEARN":
        from sklearn.svm import OneClassSVM
        model = OneClassSVM(kernel="rbf", nu=OCSVM_NU, gamma="scale", cache_size=500).fit(a)
        t1 = time.time()
        scores = -model.decision_function(b)
    else:
        raise ValueError("Unknown method %s (use %s)" % (method, ", ".join(METHODS)))
    return scores, t1 - t0, time.time() - t1


# ----------------------------------------------------------------------------------------------------------- tables

def fmt(v, d):
    return ("%." + str(d) + "f") % v


def mean(v):
    return sum(v) / len(v) if v else float("nan")


def std(v):
    if len(v) < 2:
        return 0.0
    m = mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def mean_std(m, s, n):
    return fmt(m, 3) + " ± " + fmt(s, 3) if n > 1 else fmt(m, 3)


def to_markdown(rows, title, header_lines):
    """Same layout as dev.iae.examples.benchmark.ResultTable.toMarkdown."""
    lines = ["# " + title, ""] + ["- " + h for h in header_lines] + [""]
    classes = sorted({int(r["normal_class"]) for r in rows})
    multi_r = len({float(r["contamination"]) for r in rows}) > 1
    by_key = OrderedDict()
    for r in rows:
        key = r["implementation"] + ":" + r["method"] + (" r=" + fmt(float(r["contamination"]), 2) if multi_r else "")
        by_key.setdefault(key, []).append(r)

    def metric_table(field):
        out = ["| method |" + "".join(" %d |" % c for c in classes) + " mean |",
               "|---|" + "---|" * len(classes) + "---|"]
        for key, rs in by_key.items():
            cells = []
            class_means = []
            for c in classes:
                v = [float(r[field]) for r in rs if int(r["normal_class"]) == c]
                if not v:
                    cells.append(" – |")
                else:
                    class_means.append(mean(v))
                    cells.append(" " + mean_std(mean(v), std(v), len(v)) + " |")
            by_seed = OrderedDict()
            for r in rs:
                by_seed.setdefault(r["seed"], []).append(float(r[field]))
            seed_means = [mean(v) for v in by_seed.values() if len(v) == len(class_means)]
            partial = "" if len(class_means) == len(classes) else " (%d of %d classes)" % (len(class_means),
                                                                                        len(classes))
            out.append("| " + key + " |" + "".join(cells) + " " + mean_std(mean(class_means), std(seed_means),
                                                                             len(seed_means)) + partial + " |")
        return out

    lines.append("## AUROC per normal class (mean ± std over seeds; last column: mean over classes ± std over "
                 "seeds of the class-mean)")
    lines.append("")
    lines += metric_table("auroc")
    lines += ["", "## Average precision (anomalous = positive), same layout", ""]
    lines += metric_table("average_precision")
    lines += ["", "## Time per run (one class, one seed; wall clock)", "",
              "| method | runs | train s (mean) | score s (mean, full test set) | train n | test n |",
              "|---|---|---|---|---|---|"]
    for key, rs in by_key.items():
        lines.append("| %s | %d | %s | %s | %s | %s |" % (
            key, len(rs), fmt(mean([float(r["train_seconds"]) for r in rs]), 1),
            fmt(mean([float(r["score_seconds"]) for r in rs]), 2), fmt(mean([float(r["n_train"]) for r in rs]), 0),
            fmt(mean([float(r["n_test"]) for r in rs]), 0)))
    return "\n".join(lines) + "\n"


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_HEADER, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


@functools.lru_cache(maxsize=None)
def cpu():
    """The CPU's model name and widest vector instruction set, from /proc/cpuinfo, read once (libtorch picks its
    kernels by instruction set, so results can differ slightly between AVX2 and AVX-512 machines)."""
    model, flags = "unknown model", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown model":
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = value.split()
    except OSError:
        return "%s (/proc/cpuinfo unreadable)" % os.uname().machine
    isa = ("AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "AVX" if "avx" in flags
           else "no AVX")
    return "%s (%s)" % (model, isa)


def machine_line(start, start_load, elapsed):
    return ("Started %s, elapsed %.0f s; machine: nproc %d, load average at start %s, now %s (the CPU is shared "
            "with other work: times are upper bounds); CPU %s" % (start.isoformat(), elapsed, os.cpu_count(),
                                                                  start_load, load_average(), cpu()))


# ------------------------------------------------------------------------------------------------------- commands

def parse_ints(v):
    out = []
    for part in v.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def parse_bool(v, option):
    """true or false (any case), as the Java runner's boolean options."""
    if v.lower() not in ("true", "false"):
        sys.exit("%s expects true or false, found %r" % (option, v))
    return v.lower() == "true"


def cmd_run(args):
    if args.validate is not None or args.validate_fold is not None:
        sys.exit("--validate and --validate-fold are Java-runner modes (held-out training images); the peers have none. "
                 "Run benchmarks/run-all.sh with SKIP_PYTHON=1.")
    start = datetime.now(timezone.utc)
    start_load = load_average()
    t_all = time.time()
    cifar = args.dataset.lower().replace("-", "").replace("_", "") == "cifar10"
    dataset = "cifar10-jpeg" if cifar else "fashion-mnist"
    data = args.data or (None if cifar else DEBIAN_FASHION)
    if data is None:
        sys.exit("--data is required for cifar10 (the JPEG archive or directory)")
    t0 = time.time()
    train_x, train_y, test_x, test_y, fingerprint = load_cifar(data) if cifar else load_fashion(data)
    print("loaded %s: %d train, %d test images in %.1f s" % (dataset, len(train_x), len(test_x), time.time() - t0),
          flush=True)
    classes = parse_ints(args.classes)
    seeds = parse_ints(args.seeds)
    contaminations = [float(r) for r in args.contamination.split(",")]
    methods = [m.strip().upper() for m in args.methods.split(",")]
    for m in methods:
        if m not in METHODS:
            sys.exit("Unknown method %s (use %s)" % (m, ", ".join(METHODS)))
    pre = args.pretrain_epochs if args.pretrain_epochs >= 0 else PRETRAIN_EPOCHS
    ep = args.epochs if args.epochs >= 0 else EPOCHS
    name = args.name or dataset + "-python"
    os.makedirs(args.out, exist_ok=True)
    command = args.command or "/usr/bin/python3 " + " ".join(sys.argv)
    save_scores = parse_bool(args.save_scores, "--save-scores")
    score_file = os.path.join(args.out, name + "-scores.csv.gz")
    if save_scores:
        start_scores(score_file)
    elif os.path.exists(score_file):
        os.remove(score_file)  # an earlier run's scores must not sit beside this run's table
    rows = []

    def write():
        write_csv(rows, os.path.join(args.out, name + ".csv"))
        import sklearn
        import torch
        header = [
            "Command: `" + command + "`"] + (
            ["Code: " + os.environ["IAE_BENCH_CODE"]] if os.environ.get("IAE_BENCH_CODE") else []) + [
            machine_line(start, start_load, time.time() - t_all),
            "Python %s, numpy %s, scikit-learn %s, torch %s (1 thread)" % (
                platform.python_version(), np.__version__, sklearn.__version__, torch.__version__),
            "Data: %s from `%s` (%s); one-class protocol: train on the normal class%s, contamination r %s drawn "
            "from other classes with the seed (same draw as the Java OneClassSplit); FULL test set, other classes "
            "anomalous" % (dataset, data, fingerprint,
                           " (first %d images)" % args.max_normal if args.max_normal > 0 else "", contaminations),
            "Classes %s, seeds %s, methods %s" % (classes, seeds, methods),
            "Settings: IsolationForest 100 trees and OneClassSVM RBF nu %.1f gamma 'scale' on pixels/255; Deep SVDD "
            "LeNet channels %s, repDim %d (as the Java BenchmarkConfig), DEEP_SVDD_TORCH on GCN-l1 + min-max, "
            "DEEP_SVDD_TORCH_PIXELS on pixels/255, pretrain %d + %d epochs, batch %d, Adam lr %g, weight "
            "decay %g, lr x0.1 milestone (as the Java BenchmarkConfig)%s" % (
                OCSVM_NU, "/".join(map(str, CONFIG[dataset]["channels"])), CONFIG[dataset]["rep_dim"], pre, ep,
                BATCH_SIZE, LEARNING_RATE, WEIGHT_DECAY,
                "; OVERRIDDEN schedule for this run" if args.pretrain_epochs >= 0 or args.epochs >= 0 else ""),
        ]
        title = "One-class benchmark: %s (Python peers)" % dataset + (" — " + args.label if args.label else "")
        with open(os.path.join(args.out, name + ".md"), "w") as f:
            f.write(to_markdown(rows, title, header))

    for k in classes:
        is_anom = test_y != k
        for r in contaminations:
            for seed in seeds:
                idx = training_indices(train_y, k, r, args.max_normal, seed)
                tx = train_x[idx]
                for m in methods:
                    scores, tr, sc = run_method(m, tx, test_x, seed, dataset, pre, ep)
                    if not np.all(np.isfinite(scores)):
                        raise RuntimeError("%s produced non-finite scores for class %d seed %d" % (m, k, seed))
                    row = OrderedDict(implementation="python", dataset=dataset, method=m, normal_class=k, seed=seed,
                                      contamination=fmt(r, 4), max_normal=args.max_normal, n_train=len(tx),
                                      n_test=len(test_x), auroc=fmt(auroc(is_anom, scores), 6),
                                      average_precision=fmt(average_precision(is_anom, scores), 6),
                                      train_seconds=fmt(tr, 3), score_seconds=fmt(sc, 3))
                    rows.append(row)
                    if save_scores:
                        append_scores(score_file, m, k, seed, r, is_anom, scores)
                    print("  class %d r=%.2f seed %d %-16s AUROC %s  AP %s  train %.1f s  score %.1f s" % (
                        k, r, seed, m, row["auroc"], row["average_precision"], tr, sc), flush=True)
                    write()
    write()
    print("Done in %.1f s: %s" % (time.time() - t_all, os.path.join(args.out, name + ".md")))


def write_table(out, name, rows, markdown):
    """Writes out/name.csv (the rows) and out/name.md (the rendered table)."""
    os.makedirs(out, exist_ok=True)
    write_csv(rows, os.path.join(out, name + ".csv"))
    with open(os.path.join(out, name + ".md"), "w") as f:
        f.write(markdown)
    print("Wrote %s" % os.path.join(out, name + ".md"))


def source_header_lines(csv_paths, prefixes, skip=None):
    """The header lines starting with one of the prefixes (without "- ") of the .md file beside each CSV file, as
    "From `file.md`: line"; a line equal to skip is left out."""
    out = []
    for path in csv_paths:
        md = os.path.splitext(path)[0] + ".md"
        if os.path.exists(md):
            with open(md) as f:
                lines = [l[2:].strip() for l in f if l.startswith(tuple("- " + p for p in prefixes))]
            out += ["From `%s`: %s" % (os.path.basename(md), l) for l in lines if l != skip]
    return out


def read_rows(paths, keep=lambda r: True):
    """The rows of the CSV files that keep accepts, refused by check_rows if one table cannot hold them."""
    rows = []
    sources = []
    for path in paths:
        with open(path) as f:
            read = [r for r in csv.DictReader(f) if keep(r)]
        rows += read
        sources += [path] * len(read)
    check_rows(rows, sources)
    return rows


def check_rows(rows, sources):
    """Refuses rows that one table cannot hold: several data sets (a validation CSV with a test CSV, or two
    validation folds, would be averaged as if they were seeds), or the same method, class, seed, ratio and cap twice
    (a rerun would count as an extra seed in "± std"). sources[i] is the file of rows[i]."""
    datasets = sorted({r["dataset"] for r in rows})
    if len(datasets) > 1:
        sys.exit("Rows of different data sets cannot share a table: %s (from %s); combine each separately" % (
            ", ".join(datasets), ", ".join(sorted(set(sources)))))
    seen = {}
    for r, src in zip(rows, sources):
        key = (r["implementation"], r["method"], int(r["normal_class"]), int(r["seed"]),
               float(r["contamination"]), int(r["max_normal"]))
        if key in seen:
            sys.exit("Duplicate row %s:%s class %d seed %d r=%.2f max_normal %d in %s and %s: the same run twice "
                     "would count as two seeds; leave one file out or relabel one method (see benchmarks/README.md)"
                     % (key + (seen[key], src)))
        seen[key] = src


# One --part of add-scores: its results CSV, method and seed offset; its rows and saved scores keyed by
# (normal class, seed - offset, ratio).
AddedPart = namedtuple("AddedPart", "path method offset rows scores")


def parse_parts(specs):
    """The --part arguments of add-scores as (results CSV, method, seed offset) triples: RESULTS_CSV METHOD
    [SEED_OFFSET]. With offset o the part's rows of seed s + o are added to the sum's seed s (a seed sum: the same
    model trained with other seeds, from one run with several --seeds or from two runs)."""
    parts = []
    for spec in specs:
        if len(spec) not in (2, 3):
            sys.exit("--part takes RESULTS_CSV METHOD [SEED_OFFSET], found %d values: %s" % (len(spec), spec))
        offset = 0
        if len(spec) == 3:
            try:
                offset = int(spec[2])
            except ValueError:
                sys.exit("--part %s %s: the seed offset must be an integer, found %r" % (spec[0], spec[1], spec[2]))
        parts.append((spec[0], spec[1], offset))
    if len(set(parts)) < len(parts):
        sys.exit("The same part is given twice: %s" % specs)
    return parts


def cmd_add_scores(args):
    """Adds the saved per-example scores of several result rows (--part RESULTS.csv METHOD [SEED_OFFSET], each with
    its score file beside it) and evaluates the sum per class, seed and ratio, as a results table. Each part's scores
    are taken as saved (for an IAE model: its own score, whose parts the trainer standardised on the training set);
    nothing is fitted on the scored data. Every part must have scored the same examples (same data set, labels and
    order). A part's seed offset o adds its seed s + o rows to the sum's seed s."""
    parts = []
    specs = parse_parts(args.part)
    for path, method, offset in specs:
        rows = read_rows([path], keep=lambda r, m=method: r["method"] == m)
        if not rows:
            sys.exit("%s has no rows of method %s" % (path, method))
        parts.append(AddedPart(
            path, method, offset,
            {(int(r["normal_class"]), int(r["seed"]) - offset, r["contamination"]): r for r in rows},
            {(k, seed - offset, r): v for (k, seed, r), v in read_scores(scores_path(path), method).items()}))
    datasets = {r["dataset"] for p in parts for r in p.rows.values()}
    if len(datasets) > 1:
        sys.exit("The parts scored different data sets: %s" % ", ".join(sorted(datasets)))
    keys = [k for k in parts[0].rows if all(k in p.rows and k in p.scores for p in parts)]
    if not keys:
        sys.exit("The parts have no normal class, seed and ratio in common (or no saved scores for them)")

    def where(part, key):  # a part's own row in messages: its file, method, class, seed (offset added) and ratio
        return "%s %s class %d seed %d r=%s%s" % (part.path, part.method, key[0], key[1] + part.offset, key[2],
                                                  " (as seed %d)" % key[1] if part.offset else "")

    skipped = [where(p, k) for p in parts for k in p.rows if k not in keys]
    if skipped:
        print("not in every part (left out): %s" % ", ".join(skipped))

    out = []
    for key in keys:
        total = None
        labels = None
        for part in parts:
            row = part.rows[key]
            anom, s = part.scores[key]
            # The saved scores must be the row's: recompute its AUROC (6 decimals in the CSV).
            saved = auroc(anom, s)
            if not abs(saved - float(row["auroc"])) <= 2e-6:
                sys.exit("%s: the saved scores give AUROC %.6f, the row says %s" % (where(part, key), saved,
                                                                                     row["auroc"]))
            if labels is None:
                labels = anom
                total = s.copy()
                first = row
            else:
                if len(anom) != len(labels) or not np.array_equal(anom, labels):
                    sys.exit("%s: other examples than the first part's (labels differ)" % where(part, key))
                for f in ("n_train", "max_normal"):
                    if row[f] != first[f]:
                        sys.exit("%s: %s %s, the first part has %s" % (where(part, key), f, row[f], first[f]))
                total += s
        k, seed, r = key
        if not np.all(np.isfinite(total)):
            sys.exit("class %d seed %d: the sum has non-finite scores" % key[:2])
        out.append(OrderedDict(
            implementation="+".join(OrderedDict.fromkeys(p.rows[key]["implementation"] for p in parts)),
            dataset=first["dataset"], method=args.method_name,
            normal_class=k, seed=seed, contamination=r, max_normal=first["max_normal"], n_train=first["n_train"],
            n_test=len(labels), auroc=fmt(auroc(labels, total), 6),
            average_precision=fmt(average_precision(labels, total), 6),
            train_seconds=fmt(sum(float(p.rows[key]["train_seconds"]) for p in parts), 3),
            score_seconds=fmt(sum(float(p.rows[key]["score_seconds"]) for p in parts), 3)))
    header = ([] if not args.command else ["Command: `%s`" % args.command]) + [
        "%s: the sum of the saved per-example scores of %s (each as saved; nothing fitted on the scored data); "
        "train and score seconds are the parts' sums" % (args.method_name, " + ".join(
            "`%s` from `%s`%s" % (m, os.path.basename(p), " (its seed s + %d as seed s)" % o if o else "")
            for p, m, o in specs))] + source_header_lines(
        list(OrderedDict.fromkeys(p for p, _, _ in specs)), ["Command:", "Code:"])
    title = "Sum of scores: %s, %s" % (args.method_name, ", ".join(sorted(datasets))) + (
        " — " + args.label if args.label else "")
    write_table(args.out, args.name, out, to_markdown(out, title, header))


def cmd_combine(args):
    rows = read_rows(args.csv)
    headers = source_header_lines(args.csv, ["Command:", "Code:"],
                                  skip="Command: `%s`" % args.command if args.command else None)
    datasets = sorted({r["dataset"] for r in rows})
    header = ["Combined from %s" % ", ".join("`%s`" % p for p in args.csv)] + headers
    if args.command:
        header.insert(0, "Command: `%s`" % args.command)
    header.append("Combined %s; machine: nproc %d, load average %s" % (
        datetime.now(timezone.utc).isoformat(), os.cpu_count(), load_average()))
    impls = sorted({r["implementation"] for r in rows})
    title = "One-class benchmark: %s, %s" % (", ".join(datasets), " and ".join(impls) if len(impls) > 1 else
                                             impls[0] + " only") + (
        " — " + args.label if args.label else "")
    write_table(args.out, args.name, rows, to_markdown(rows, title, header))


def sweep_markdown(rows, title, header_lines):
    """Contamination sweep layout: for each method, AUROC by contamination ratio (columns), per normal class and as
    the mean over classes, and the change from the smallest to the largest ratio."""
    lines = ["# " + title, ""] + ["- " + h for h in header_lines] + [""]
    ratios = sorted({float(r["contamination"]) for r in rows})
    classes = sorted({int(r["normal_class"]) for r in rows})
    methods = list(OrderedDict((r["implementation"] + ":" + r["method"], None) for r in rows))

    def cell(method, c, ratio, field="auroc"):
        v = [float(r[field]) for r in rows if r["implementation"] + ":" + r["method"] == method
             and int(r["normal_class"]) == c and float(r["contamination"]) == ratio]
        return mean(v) if v else None

    head = "| method | normal class |" + "".join(" r = %s |" % fmt(x, 2) for x in ratios) + \
        " change r = %s → %s |" % (fmt(ratios[0], 2), fmt(ratios[-1], 2))
    sep = "|---|---|" + "---|" * (len(ratios) + 1)
    for field, caption in (("auroc", "AUROC"), ("average_precision", "Average precision (anomalous = positive)")):
        lines += ["## %s by contamination ratio (mean over seeds; 'mean' rows: mean over the classes that ran at "
                  "every ratio)" % caption, "", head, sep]
        for m in methods:
            complete = [c for c in classes if all(cell(m, c, x, field) is not None for x in ratios)]
            for c in classes:
                vals = [cell(m, c, x, field) for x in ratios]
                change = "%+.3f" % (vals[-1] - vals[0]) if vals[0] is not None and vals[-1] is not None else "–"
                lines.append("| %s | %d |" % (m, c) + "".join(" %s |" % (fmt(v, 3) if v is not None else "–")
                                                             for v in vals) + " %s |" % change)
            if len(complete) > 1:
                means = [mean([cell(m, c, x, field) for c in complete]) for x in ratios]
                lines.append("| **%s** | mean of %s |" % (m, ",".join(map(str, complete)))
                             + "".join(" **%s** |" % fmt(v, 3) for v in means) + " **%+.3f** |"
                             % (means[-1] - means[0]))
        lines.append("")
    lines += ["## Runs", "", "| method | normal class | r | seed | n train | AUROC | train s |", "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["implementation"] + ":" + r["method"], int(r["normal_class"]),
                                         float(r["contamination"]), int(r["seed"]))):
        lines.append("| %s:%s | %s | %s | %s | %s | %s | %s |" % (
            r["implementation"], r["method"], r["normal_class"], fmt(float(r["contamination"]), 2), r["seed"],
            r["n_train"], fmt(float(r["auroc"]), 4), fmt(float(r["train_seconds"]), 1)))
    return "\n".join(lines) + "\n"


def cmd_sweep(args):
    methods = set(args.methods.split(",")) if args.methods else None
    classes = set(parse_ints(args.classes)) if args.classes else None
    rows = read_rows(args.csv, lambda r: (methods is None or r["method"] in methods)
                     and (classes is None or int(r["normal_class"]) in classes))
    if not rows:
        sys.exit("No rows (check the CSV files and --methods)")
    ratios = {float(r["contamination"]) for r in rows}
    if len(ratios) < 2:
        sys.exit("A sweep needs at least two contamination ratios, found %s" % sorted(ratios))
    header = ["Command: `%s`" % (args.command or "/usr/bin/python3 " + " ".join(sys.argv)),
              "Built from %s" % ", ".join("`%s`" % os.path.basename(p) for p in args.csv)]
    header += source_header_lines(args.csv, ["Command:", "Code:", "Hyper-parameters"])
    title = "Contamination sweep: %s" % ", ".join(sorted({r["dataset"] for r in rows})) + (
        " — " + args.label if args.label else "")
    write_table(args.out, args.name, rows, sweep_markdown(rows, title, header))


def cmd_print_split(args):
    labels = [int(x) for x in args.labels.split(",")]
    print(",".join(str(i) for i in training_indices(labels, args.normal_class, args.contamination, args.max_normal,
                                                     args.seed)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command_name", required=True)
    r = sub.add_parser("run", help="run the peer methods")
    r.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist or cifar10")
    r.add_argument("--data", default=None, help="IDX directory or CIFAR-10 archive/directory")
    r.add_argument("--classes", default="0-9")
    r.add_argument("--seeds", default="1,2,3")
    r.add_argument("--methods", default=",".join(METHODS))
    r.add_argument("--max-normal", type=int, default=0)
    r.add_argument("--contamination", default="0")
    r.add_argument("--pretrain-epochs", type=int, default=-1)
    r.add_argument("--epochs", type=int, default=-1)
    for opt in ("--lstm-hidden", "--normalization", "--score", "--lambda-rec", "--lambda-kl", "--weight-init",
                "--pretrain-lstm", "--lstm-bias", "--min-centre", "--rec-weight", "--rec-weights"):
        r.add_argument(opt, default=None,
                       help="accepted so run-all.sh can pass its options to both runners; IAE settings only")
    r.add_argument("--validate", default=None,
                   help="refused: the peers have no validation mode (run-all.sh: set SKIP_PYTHON=1)")
    r.add_argument("--validate-fold", default=None, help="refused, as --validate")
    r.add_argument("--save-scores", default="false",
                   help="true: also write every scored example's score to <name>-scores.csv.gz")
    r.add_argument("--out", default=os.path.join("benchmarks", "results"))
    r.add_argument("--name", default=None)
    r.add_argument("--label", default="")
    r.add_argument("--command", default=None, help="the command line to record")
    c = sub.add_parser("combine", help="merge result CSV files into one table")
    c.add_argument("--out", default=os.path.join("benchmarks", "results"))
    c.add_argument("--name", default="combined")
    c.add_argument("--label", default="")
    c.add_argument("--command", default=None)
    c.add_argument("csv", nargs="+")
    w = sub.add_parser("sweep", help="lay out contamination-sweep results (method x ratio) from result CSV files")
    w.add_argument("--out", default=os.path.join("benchmarks", "results"))
    w.add_argument("--name", default="contamination")
    w.add_argument("--label", default="")
    w.add_argument("--methods", default="", help="keep only these methods (comma-separated; default all)")
    w.add_argument("--classes", default="", help="keep only these normal classes (e.g. 0,1 or 0-4; default all)")
    w.add_argument("--command", default=None)
    w.add_argument("csv", nargs="+")
    a = sub.add_parser("add-scores", help="add the saved per-example scores of several result rows and evaluate")
    a.add_argument("--out", default=os.path.join("benchmarks", "results"))
    a.add_argument("--name", required=True)
    a.add_argument("--method-name", required=True, help="the method name of the rows written")
    a.add_argument("--label", default="")
    a.add_argument("--command", default=None)
    a.add_argument("--part", nargs="+", action="append", required=True,
                   metavar="RESULTS_CSV METHOD [SEED_OFFSET]",
                   help="a results CSV (its score file beside it), the method whose scores to add and optionally a "
                        "seed offset o (its seed s + o rows are added to seed s: a seed sum); twice or more")
    s = sub.add_parser("print-split", help="print OneClassSplit training indices (to check against Java)")
    s.add_argument("--labels", required=True, help="comma-separated class labels")
    s.add_argument("--normal-class", type=int, required=True)
    s.add_argument("--contamination", type=float, default=0.0)
    s.add_argument("--max-normal", type=int, default=0)
    s.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if args.command_name == "add-scores" and len(args.part) < 2:
        p.error("add-scores needs --part at least twice")
    {"run": cmd_run, "combine": cmd_combine, "sweep": cmd_sweep, "add-scores": cmd_add_scores,
     "print-split": cmd_print_split}[args.command_name](args)


if __name__ == "__main__":
    main()
