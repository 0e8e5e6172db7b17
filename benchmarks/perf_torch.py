#!/usr/bin/python3
"""PyTorch peer for the performance benchmarks of issue 5 (benchmarks/results/perf.md).

Runs with Debian's python3-torch and python3-numpy only (/usr/bin/python3), 1 thread (torch.set_num_threads(1)).

  perf_torch.py train --config TABULAR|IMAGE --examples N --pretrain P --epochs E --warmup W --runs R
      The project's training schedule, written in PyTorch with the same network, batch size, optimiser (Adam,
      lr 1e-3, weight decay 5e-7) and loss (pre-training on the reconstruction MSE without the LSTM; centre pass;
      joint training on ||z-c||^2 + 1e-3 KL + 1.0 MSE through the one-step LSTM): examples/s over both phases and
      the centre pass, the same span the project's training loop times.
  perf_torch.py infer --weights DIR [--seconds S]
      Loads the weights the JVM trained (WeightExport: DIR/<config>.json/.bin), checks the scores against ONNX
      Runtime's and DJL's for the same 256 rows, then measures eager inference throughput at batch 1/32/256
      (median of 5 one-second rounds) and batch-1 latency p50/p99.
  perf_torch.py peak
      Single-thread sgemm peak (torch.mm 2048x2048x2048), GFLOP/s, median of 5.
  perf_torch.py flops --weights DIR
      Analytic FLOPs per example (forward of the inference graph; training, per processed example).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

LEAKY = 0.01
KERNEL = 5


def round_up(v, m):
    return ((v + m - 1) // m) * m


class Arch:
    """The network shape: either from a WeightExport JSON or from a named benchmark configuration."""

    def __init__(self, d):
        self.input_dim = d["inputDim"]
        self.image_shape = d["imageShape"]
        self.sizes = d["encoderSizes"]
        self.lstm_hidden = d["lstmHidden"]
        self.rep_dim = d["repDim"]
        self.score_kind = d.get("scoreKind", "SVDD")
        self.bn_eps = d.get("bnEpsilon", 1e-5)
        self.image = len(self.image_shape) == 3
        if self.image:
            blocks = len(self.sizes)
            self.ph = round_up(self.image_shape[1], 1 << blocks)
            self.pw = round_up(self.image_shape[2], 1 << blocks)
            self.top = (self.ph - self.image_shape[1]) // 2
            self.left = (self.pw - self.image_shape[2]) // 2
            self.bh = self.ph >> blocks
            self.bw = self.pw >> blocks
            self.seed_channels = self.rep_dim // (self.bh * self.bw)
            self.enc_out = self.sizes[-1] * self.bh * self.bw
        else:
            self.enc_out = self.sizes[-1] if self.sizes else self.input_dim


def config_arch(name):
    """The benchmark configurations (examples/.../perf/PerfFixtures.java)."""
    if name == "IMAGE":
        return Arch({"inputDim": 784, "imageShape": [1, 28, 28], "encoderSizes": [16, 32, 64], "lstmHidden": 128,
                     "repDim": 64, "bnEpsilon": 1e-5}), 64
    return Arch({"inputDim": 100, "imageShape": [], "encoderSizes": [64, 32], "lstmHidden": 32, "repDim": 16,
                 "bnEpsilon": 1e-5}), 128


class IaeNet(nn.Module):
    """IAE-LSTM-KL as the project builds it (tribuo-iae IaeNetwork): the same layers, shapes and activations."""

    def __init__(self, a):
        super().__init__()
        self.a = a
        if a.image:
            convs, bns = [], []
            c = a.image_shape[0]
            for s in a.sizes:
                convs.append(nn.Conv2d(c, s, KERNEL, padding=KERNEL // 2, bias=False))
                bns.append(nn.BatchNorm2d(s, eps=a.bn_eps, affine=False))
                c = s
            self.enc = nn.ModuleList(convs)
            self.enc_bn = nn.ModuleList(bns)
        else:
            lins = []
            i = a.input_dim
            for s in a.sizes:
                lins.append(nn.Linear(i, s, bias=False))
                i = s
            self.enc = nn.ModuleList(lins)
        self.pre_latent = nn.Linear(a.enc_out, a.rep_dim, bias=False)
        self.lstm = nn.LSTM(a.enc_out, a.lstm_hidden, num_layers=1, batch_first=True)
        self.lstm_latent = nn.Linear(a.lstm_hidden, a.rep_dim, bias=False)
        if a.image:
            self.dec_bn0 = nn.BatchNorm1d(a.rep_dim, eps=a.bn_eps, affine=False)
            convs, bns = [], []
            c = a.seed_channels
            for s in reversed(a.sizes):
                convs.append(nn.Conv2d(c, s, KERNEL, padding=KERNEL // 2, bias=False))
                bns.append(nn.BatchNorm2d(s, eps=a.bn_eps, affine=False))
                c = s
            self.dec = nn.ModuleList(convs)
            self.dec_bn = nn.ModuleList(bns)
            self.dec_out = nn.Conv2d(c, a.image_shape[0], KERNEL, padding=KERNEL // 2, bias=False)
        else:
            lins = []
            i = a.rep_dim
            for s in reversed(a.sizes):
                lins.append(nn.Linear(i, s, bias=True))
                i = s
            lins.append(nn.Linear(i, a.input_dim, bias=True))
            self.dec = nn.ModuleList(lins)

    def encode(self, x):
        a = self.a
        n = x.shape[0]
        if not a.image:
            h = x
            for l in self.enc:
                h = F.leaky_relu(l(h), LEAKY)
            return h
        c, hh, ww = a.image_shape
        h = x.reshape(n, c, hh, ww)
        bottom = a.ph - hh - a.top
        right = a.pw - ww - a.left
        if a.top + bottom + a.left + right > 0:
            h = F.pad(h, (a.left, right, a.top, bottom))
        for conv, bn in zip(self.enc, self.enc_bn):
            h = F.max_pool2d(F.leaky_relu(bn(conv(h)), LEAKY), 2)
        return h.reshape(n, a.enc_out)

    def latent(self, f, with_lstm):
        if with_lstm:
            h = self.lstm(f.unsqueeze(1))[0].squeeze(1)
            return self.lstm_latent(h)
        return self.pre_latent(f)

    def decode(self, z):
        a = self.a
        n = z.shape[0]
        if not a.image:
            h = z
            for j, l in enumerate(self.dec):
                h = l(h)
                if j < len(self.dec) - 1:
                    h = F.leaky_relu(h, LEAKY)
            return h
        h = self.dec_bn0(z).reshape(n, a.seed_channels, a.bh, a.bw)
        h = F.leaky_relu(h, LEAKY)
        for conv, bn in zip(self.dec, self.dec_bn):
            h = F.leaky_relu(bn(conv(h)), LEAKY)
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = torch.sigmoid(self.dec_out(h))
        c, hh, ww = a.image_shape
        h = h[:, :, a.top:a.top + hh, a.left:a.left + ww]
        return h.reshape(n, a.input_dim)


# ------------------------------------------------------------------------------------------------ training

def kl_term(z):
    mu = z.mean(0)
    var = (z - mu).square().mean(0)
    return 0.5 * (mu.square() + var - 1.0 - torch.log(var + 1e-6)).mean()


def batches(n, bs, gen):
    idx = torch.randperm(n, generator=gen)
    out = []
    for s in range(0, n, bs):
        e = min(n, s + bs)
        if e - s < 2:
            break
        out.append(idx[s:e])
    return out


def train_once(a, bs, x, pretrain, epochs, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = IaeNet(a)
    n = x.shape[0]
    lr, wd = 1e-3, 0.5e-6
    start = time.perf_counter()
    processed = 0
    # Phase 1: autoencoder pre-training without the LSTM.
    net.train()
    params = list(net.enc.parameters()) + list(net.pre_latent.parameters()) + list(net.dec.parameters())
    if a.image:
        params += list(net.dec_out.parameters())
    opt = torch.optim.Adam(params, lr=lr, weight_decay=wd)
    for _ in range(pretrain):
        for b in batches(n, bs, gen):
            xb = x[b]
            opt.zero_grad(set_to_none=True)
            loss = (xb - net.decode(net.latent(net.encode(xb), False))).square().mean()
            v = loss.item()
            if not np.isfinite(v):
                raise RuntimeError("diverged")
            loss.backward()
            opt.step()
            processed += xb.shape[0]
    # Centre (inference mode, LSTM path).
    net.eval()
    with torch.no_grad():
        s = torch.zeros(a.rep_dim, dtype=torch.float64)
        for st in range(0, n, 256):
            s += net.latent(net.encode(x[st:st + 256]), True).double().sum(0)
        c = (s / n).float()
        c = torch.where(c.abs() < 0.1, torch.where(c < 0, torch.tensor(-0.1), torch.tensor(0.1)), c)
    # Phase 2: joint training.
    net.train()
    params = list(net.enc.parameters()) + list(net.lstm.parameters()) + list(net.lstm_latent.parameters()) \
        + list(net.dec.parameters())
    if a.image:
        params += list(net.dec_out.parameters())
    opt = torch.optim.Adam(params, lr=lr, weight_decay=wd)
    for _ in range(epochs):
        for b in batches(n, bs, gen):
            xb = x[b]
            opt.zero_grad(set_to_none=True)
            z = net.latent(net.encode(xb), True)
            xh = net.decode(z)
            dist = (z - c).square().sum(1)
            sv = dist.mean()
            kl = kl_term(z)
            rec = (xb - xh).square().mean()
            total = sv + 1e-3 * kl + 1.0 * rec
            v = total.item()
            sv.item(), kl.item(), rec.item()
            if not np.isfinite(v):
                raise RuntimeError("diverged")
            total.backward()
            opt.step()
            processed += xb.shape[0]
    secs = time.perf_counter() - start
    return processed / secs


def synthetic(config, n, seed):
    rng = np.random.default_rng(seed)
    if config == "IMAGE":
        x = rng.random((n, 784), dtype=np.float32)
    else:
        x = (rng.standard_normal((n, 100)) + (np.arange(100) % 7)).astype(np.float32)
    lo, hi = x.min(0), x.max(0)
    return torch.from_numpy(((x - lo) / np.where(hi > lo, hi - lo, 1)).astype(np.float32))


def cmd_train(args):
    a, bs = config_arch(args.config)
    x = synthetic(args.config, args.examples, 3)
    for r in range(args.warmup + args.runs):
        eps = train_once(a, bs, x, args.pretrain, args.epochs, 100 + r)
        label = "warmup" if r < args.warmup else str(r - args.warmup)
        print("TRAIN impl=pytorch config=%s run=%s examples=%d pretrain=%d epochs=%d examples_per_s=%.1f"
              % (args.config, label, args.examples, args.pretrain, args.epochs, eps), flush=True)


# ------------------------------------------------------------------------------------------------ inference

class Loaded:
    def __init__(self, wdir, config):
        with open(os.path.join(wdir, config + ".json")) as f:
            meta = json.load(f)
        self.meta = meta
        self.a = Arch(meta)
        flat = np.fromfile(os.path.join(wdir, config + ".bin"), dtype="<f4")
        self.t = {}
        for e in meta["tensors"]:
            size = int(np.prod(e["shape"])) if e["shape"] else 1
            self.t[e["name"]] = torch.from_numpy(flat[e["offset"]:e["offset"] + size].reshape(e["shape"]).copy())
        self.net = IaeNet(self.a)
        self.net.eval()
        t, net, a = self.t, self.net, self.a
        with torch.no_grad():
            for i in range(len(a.sizes)):
                net.enc[i].weight.copy_(t["encoder.%d.weight" % i])
                if a.image:
                    net.enc_bn[i].running_mean.copy_(t["encoder.%d.bn.mean" % i])
                    net.enc_bn[i].running_var.copy_(t["encoder.%d.bn.var" % i])
            net.lstm.weight_ih_l0.copy_(t["lstm.W"])
            net.lstm.weight_hh_l0.copy_(t["lstm.R"])
            net.lstm.bias_ih_l0.copy_(t["lstm.Wb"])
            net.lstm.bias_hh_l0.copy_(t["lstm.Rb"])
            net.lstm_latent.weight.copy_(t["latent.weight"])
            if a.image:
                net.dec_bn0.running_mean.copy_(t["decoder.bn.mean"])
                net.dec_bn0.running_var.copy_(t["decoder.bn.var"])
                for j in range(len(net.dec)):
                    net.dec[j].weight.copy_(t["decoder.%d.weight" % j])
                    net.dec_bn[j].running_mean.copy_(t["decoder.%d.bn.mean" % j])
                    net.dec_bn[j].running_var.copy_(t["decoder.%d.bn.var" % j])
                net.dec_out.weight.copy_(t["decoder.out.weight"])
            else:
                for j in range(len(net.dec)):
                    net.dec[j].weight.copy_(t["decoder.%d.weight" % j])
                    net.dec[j].bias.copy_(t["decoder.%d.bias" % j])
        self.offset = t["norm.offset"]
        self.scale = t["norm.scale"]
        self.centre = t["svdd.centre"]
        self.stats = t["score.stats"]

    def forward(self, raw, full=True):
        """What the ONNX graph computes: score (and, when full, the reconstruction and per-feature errors)."""
        x = (raw - self.offset) * self.scale
        z = self.net.latent(self.net.encode(x), True)
        dist = (z - self.centre).square().sum(1)
        if not full and self.a.score_kind == "SVDD":
            return dist
        fe = (x - self.net.decode(z)).square()
        rec = fe.sum(1)
        if self.a.score_kind == "SVDD":
            return dist
        if self.a.score_kind == "RECONSTRUCTION":
            return rec
        s = self.stats
        return (dist - s[0]) / s[1] + (rec - s[2]) / s[3]


def throughput(fn, seconds, rounds=5):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        fn()
    rates = []
    for _ in range(rounds):
        k = 0
        t0 = time.perf_counter()
        while True:
            fn()
            k += 1
            el = time.perf_counter() - t0
            if el >= seconds:
                break
        rates.append(k / el)
    return statistics.median(rates), rates


def cmd_infer(args):
    for config in ("TABULAR", "IMAGE"):
        m = Loaded(args.weights, config)
        d = m.a.input_dim
        rows = torch.from_numpy(np.fromfile(os.path.join(args.weights, config + ".input.bin"), dtype="<f4")
                                .reshape(256, d))
        ort = np.fromfile(os.path.join(args.weights, config + ".ort.bin"), dtype="<f4")
        djl = np.fromfile(os.path.join(args.weights, config + ".djl.bin"), dtype="<f4")
        with torch.no_grad():
            mine = m.forward(rows).numpy()
        print("PARITY config=%s max_abs_diff_vs_ort=%.3g max_abs_diff_vs_djl=%.3g max_abs_score=%.3g"
              % (config, np.abs(mine - ort).max(), np.abs(mine - djl).max(), np.abs(ort).max()), flush=True)
        with torch.no_grad():
            for full in (True, False):
                if not full and m.a.score_kind != "SVDD":
                    continue
                variant = "full" if full else "score_only"
                for b in (1, 32, 256):
                    x = rows[:b].clone()
                    med, rates = throughput(lambda: m.forward(x, full), args.seconds)
                    print("INFER impl=pytorch-eager-%s config=%s batch=%d ops_per_s=%.1f examples_per_s=%.1f rounds=%s"
                          % (variant, config, b, med, med * b, ",".join("%.1f" % r for r in rates)), flush=True)
            x = rows[:1].clone()
            for _ in range(200):
                m.forward(x)
            lat = []
            end = time.perf_counter() + max(2.0, 2 * args.seconds)
            while time.perf_counter() < end:
                t0 = time.perf_counter_ns()
                m.forward(x)
                lat.append((time.perf_counter_ns() - t0) / 1000.0)
            lat.sort()
            print("LATENCY impl=pytorch-eager-full config=%s batch=1 samples=%d p50_us=%.1f p99_us=%.1f"
                  % (config, len(lat), lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]), flush=True)


def cmd_peak(args):
    n = 2048
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    torch.mm(a, b)
    g = []
    for _ in range(5):
        t0 = time.perf_counter()
        torch.mm(a, b)
        g.append(2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    print("PEAK sgemm n=%d threads=%d gflops_median=%.2f runs=%s" % (n, torch.get_num_threads(), statistics.median(g),
                                                                     ",".join("%.2f" % v for v in g)), flush=True)


# ------------------------------------------------------------------------------------------------ FLOPs

def conv_flops(cin, cout, h, w):
    return 2.0 * cin * cout * KERNEL * KERNEL * h * w


def flops(a):
    """Forward FLOPs per example (2 per multiply-add; element-wise ops, BatchNorm, pooling ignored)."""
    enc = 0.0
    if a.image:
        c, h, w = a.image_shape[0], a.ph, a.pw
        for s in a.sizes:
            enc += conv_flops(c, s, h, w)
            c, h, w = s, h // 2, w // 2
        dec = 0.0
        c, h, w = a.seed_channels, a.bh, a.bw
        for s in reversed(a.sizes):
            dec += conv_flops(c, s, h, w)
            c, h, w = s, h * 2, w * 2
        dec += conv_flops(c, a.image_shape[0], h, w)
    else:
        i = a.input_dim
        for s in a.sizes:
            enc += 2.0 * i * s
            i = s
        dec = 0.0
        i = a.rep_dim
        for s in list(reversed(a.sizes)) + [a.input_dim]:
            dec += 2.0 * i * s
            i = s
    H = a.lstm_hidden
    lstm = 2.0 * 4 * H * a.enc_out + 2.0 * 4 * H * H + 2.0 * H * a.rep_dim
    pre = 2.0 * a.enc_out * a.rep_dim
    return {"encoder": enc, "lstm_latent": lstm, "pre_latent": pre, "decoder": dec,
            "infer_full": enc + lstm + dec, "infer_score_only": enc + lstm}


def cmd_flops(args):
    for config in ("TABULAR", "IMAGE"):
        a, _ = config_arch(config)
        f = flops(a)
        P, E = (2, 3) if config == "TABULAR" else (1, 1)
        # Training per processed example: forward + backward ~ 3x forward, plus the centre pass spread over the
        # (P + E) epochs' examples.
        train = (P * 3 * (f["encoder"] + f["pre_latent"] + f["decoder"]) + (f["encoder"] + f["lstm_latent"])
                 + E * 3 * (f["encoder"] + f["lstm_latent"] + f["decoder"])) / (P + E)
        print("FLOPS config=%s %s train_per_example=%.4g (pretrain=%d epochs=%d, backward=2x forward)"
              % (config, " ".join("%s=%.4g" % kv for kv in f.items()), train, P, E), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--config", choices=["TABULAR", "IMAGE"], required=True)
    t.add_argument("--examples", type=int, required=True)
    t.add_argument("--pretrain", type=int, required=True)
    t.add_argument("--epochs", type=int, required=True)
    t.add_argument("--warmup", type=int, default=1)
    t.add_argument("--runs", type=int, default=1)
    i = sub.add_parser("infer")
    i.add_argument("--weights", required=True)
    i.add_argument("--seconds", type=float, default=1.0)
    sub.add_parser("peak")
    fl = sub.add_parser("flops")
    fl.add_argument("--weights", required=False)
    args = p.parse_args()
    {"train": cmd_train, "infer": cmd_infer, "peak": cmd_peak, "flops": cmd_flops}[args.cmd](args)


if __name__ == "__main__":
    main()
