#!/usr/bin/python3
"""Checks bench/torch_mrl.py on a tiny synthetic dataset written to a temp dir, against brute-force numpy.

Run: /usr/bin/python3 bench/test_torch_mrl.py   (prints OK lines, exits non-zero on the first failure)
"""
import contextlib
import io
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_lightgcn as tl  # noqa: E402
import torch_mrl as tm  # noqa: E402
from test_torch_lightgcn import (brute_metrics, check, check_device_flag, cli_records, dense_ahat,  # noqa: E402
                                 make_tiny)


def brute_loss_grad(E0, Ahat, L, M, users, pos, negs, plan, lam):
    """Numpy float64: loss and dL/dE0 from the written-out formulas of ALGORITHMS.md B 1.1 / 1.2."""
    P = np.eye(len(E0))
    prop = np.zeros_like(P)
    for _ in range(L + 1):
        prop += P / (L + 1)
        P = Ahat @ P
    Z = prop @ E0  # mean_l Ahat^l E0 (prop is symmetric)
    B = len(users)
    loss = 0.0
    gZ = np.zeros_like(Z)
    for b in range(B):
        u, p = users[b], M + pos[b]
        zu, zp = Z[u], Z[p]
        for d, w, g in plan.levels:
            n = M + negs[b, g]
            zn = Z[n]
            x = zu[:d] @ zn[:d] - zu[:d] @ zp[:d]
            loss += w * math.log1p(math.exp(x)) / B
            gk = w / (1 + math.exp(-x)) / B
            gZ[u, :d] += gk * (zn[:d] - zp[:d])
            gZ[p, :d] -= gk * zu[:d]
            gZ[n, :d] += gk * zu[:d]
    rows = np.concatenate([users, M + pos, M + negs.ravel()])
    loss += lam * (E0[rows] ** 2).sum() / (2 * B)
    gE = prop @ gZ
    np.add.at(gE, rows, lam / B * E0[rows])
    return loss, gE


def cuda_vs_cpu(d):
    """Same init and batches on both devices (both backbones): per-epoch losses and metrics agree to fp32 rounding."""
    for extra in ([], ["--backbone", "lightgcn", "--layers", "2"]):
        argv = ["--data", d, "--batch", "8", "--lr", "0.01", "--topks", "5,10", "--threads", "1", "--candidates", "3",
                "--json", "--epochs", "3", "--eval-every", "3"] + extra
        rc, rg = cli_records(tm.main, argv), cli_records(tm.main, argv + ["--device", "cuda"])
        lc, lg = [r["loss"] for r in rc if "loss" in r], [r["loss"] for r in rg if "loss" in r]
        check("cuda CLI %s on %s: losses %s == cpu %s (rel 1e-4), recall@10 %.4f vs %.4f"
              % (" ".join(extra) or "mf", rg[0]["device"], ["%.5f" % x for x in lg], ["%.5f" % x for x in lc],
                 rg[-1]["recall@10"], rc[-1]["recall@10"]),
              rg[0]["device"] != "cpu" and len(lg) == 3 and all(abs(x - y) < 1e-4 * abs(y) for x, y in zip(lg, lc)))


def main():
    torch.set_num_threads(1)
    d = tempfile.mkdtemp(prefix="tiny_mrl_")
    make_tiny(d)
    data = tl.Data.load(d)
    M, N = data.n_users, data.n_items
    Ahat = dense_ahat(data)
    adj = data.norm_adj("coo")
    rng = np.random.default_rng(7)

    # 0. plan validation
    for bad in (dict(levels=[8, 4]), dict(levels=[4, 4]), dict(levels=[4, 128]), dict(levels=[0, 4]),
                dict(weights=[1, 1, 0, 1, 1]), dict(weights=[1, 1, -1, 1, 1]), dict(weights=[1, 1]), dict(n_cand=0)):
        try:
            tm.Plan("mns", **bad)
            ok = False
        except ValueError:
            ok = True
        check("Plan rejects %s" % bad, ok)
    p = tm.Plan("mns", n_cand=3)
    check("mns plan: 5 groups at prefixes 4..64, uniform 0.2, 15 candidates",
          p.groups == [4, 8, 16, 32, 64] and p.levels == [(d_, 0.2, k) for k, d_ in enumerate([4, 8, 16, 32, 64])]
          and p.n_total == 15)
    p = tm.Plan("shared", n_cand=3)
    check("shared plan: 1 group at 64, all 5 levels use it", p.groups == [64] and p.n_total == 3
          and [g for _, _, g in p.levels] == [0] * 5 and [d_ for d_, _, _ in p.levels] == [4, 8, 16, 32, 64])
    p = tm.Plan("dns", n_cand=3)
    check("dns plan: 1 group at 64, one level (64, weight 1)", p.groups == [64] and p.levels == [(64, 1.0, 0)])

    # 1. loss and gradient of one batch vs brute force, fixed negatives (MF and LightGCN L=2, all three modes)
    users = np.array([0, 1, 1, 5, 7, 2])
    pos = np.array([data.train_pos[u][0] for u in users])
    lam = 0.05
    for L in (0, 2):
        for mode in ("mns", "shared", "dns"):
            plan = tm.Plan(mode, n_cand=4, weights=None if mode != "mns" else [0.1, 0.3, 0.2, 0.15, 0.25])
            G = len(plan.groups)
            negs = rng.integers(0, N, (len(users), G))
            negs[0, :] = N - 1  # same negative at every level (counted once per level in the L2 for mns)
            torch.manual_seed(L)
            model = tl.LightGCN(M, N, 64, L, adj if L else None, None, init="xavier")
            with torch.no_grad():  # larger values than the init so that softplus is far from its linear part
                model.user0.normal_(0, 0.3)
                model.item0.normal_(0, 0.3)
            E0 = torch.cat([model.user0, model.item0]).detach().double().numpy()
            U, V = model.computer()
            rank, l2 = tm.mrl_loss(model, U, V, torch.from_numpy(users), torch.from_numpy(pos),
                                   torch.from_numpy(negs), plan, lam)
            model.zero_grad()
            (rank + l2).backward()
            g = torch.cat([model.user0.grad, model.item0.grad]).numpy()
            ref, gref = brute_loss_grad(E0, Ahat, L, M, users, pos, negs, plan, lam)
            err = np.abs(g - gref).max() / np.abs(gref).max()
            check("L=%d %s: loss %.6f == brute %.6f, grad rel.err %.1e" % (L, mode, (rank + l2).item(), ref, err),
                  abs((rank + l2).item() - ref) < 1e-5 * max(1, abs(ref)) and err < 1e-5)

    # 2. selection: per-group argmax at the group's prefix width
    torch.manual_seed(3)
    U = torch.randn(M, 64)
    V = torch.randn(N, 64)
    bu = np.array([0, 1, 2, 3, 4, 4, 6, 7])
    for mode in ("mns", "shared", "dns"):
        plan = tm.Plan(mode, n_cand=6)
        cand = rng.integers(0, N, (len(bu), plan.n_total))
        sel = tm.select_negatives(U, V, bu, cand, plan).numpy()
        Un, Vn = U.double().numpy(), V.double().numpy()
        ref = np.zeros_like(sel)
        full = np.zeros_like(sel)
        for b, u in enumerate(bu):
            for g, w in enumerate(plan.groups):
                c = cand[b, g * 6:(g + 1) * 6]
                ref[b, g] = c[np.argmax(Vn[c, :w] @ Un[u, :w])]
                full[b, g] = c[np.argmax(Vn[c] @ Un[u])]
        differs = (ref != full).any()
        check("%s selection == per-group argmax at width %s%s" % (mode, plan.groups,
              " (prefix choice differs from full-width choice somewhere)" if mode == "mns" else ""),
              sel.shape == (len(bu), len(plan.groups)) and (sel == ref).all() and (mode != "mns" or differs))

    # 3. candidates: never a train item of the user, uniform over the user's non-train items
    tu = np.nonzero(data.train_lens > 0)[0]
    cand = tm.sample_candidates(data, tu, 2000, rng)
    inside = sum(np.isin(cand[j], data.train_pos[u]).sum() for j, u in enumerate(tu))
    check("candidates (%d users x 2000): none in the user's train set, shape, range" % len(tu),
          inside == 0 and cand.shape == (len(tu), 2000) and cand.min() >= 0 and cand.max() < N)
    c0 = tm.sample_candidates(data, np.array([0]), 200000, rng)[0]
    cnt = np.bincount(c0, minlength=N)
    allowed = np.setdiff1d(np.arange(N), data.train_pos[0])
    exp = len(c0) / len(allowed)
    check("candidates uniform over the non-train items", np.abs(cnt[allowed] - exp).max() < 5 * math.sqrt(exp))

    # 4. batching: all distinct train pairs, shuffled, n // B full batches (last partial one dropped)
    pu, pi = tm.train_pairs(data)
    keys = pu * N + pi
    check("train pairs: %d distinct, == R.nnz, all train" % len(pu),
          len(pu) == data.R.nnz and len(np.unique(keys)) == len(pu) and tl.is_train(data, pu, pi).all())
    for B in (7, 8, len(pu), len(pu) + 1):
        bs = tm.epoch_batches(len(pu), B, rng)
        idx = np.concatenate(bs) if bs else np.zeros(0, np.int64)
        check("B=%d: %d batches == floor(%d/%d), all full, no pair twice" % (B, len(bs), len(pu), B),
              len(bs) == len(pu) // B and all(len(b) == B for b in bs) and len(np.unique(idx)) == len(idx)
              and len(idx) == B * (len(pu) // B))

    # 5. prefix metrics vs brute force
    for L in (0, 2):
        torch.manual_seed(5 + L)
        model = tl.LightGCN(M, N, 64, L, adj if L else None, None, init="xavier")
        with torch.no_grad():
            model.user0.normal_(0, 0.5)
            model.item0.normal_(0, 0.5)
        dims = [4, 8, 16, 32, 64]
        got = tm.evaluate(model, data, dims, ks=(5, 10), test_batch=5)
        Uf, Vf = model.computer()
        Uf, Vf = Uf.detach().numpy(), Vf.detach().numpy()
        ok = True
        for dd in dims:
            S = Uf[:, :dd] @ Vf[:, :dd].T
            for k in (5, 10):
                r, n, p = brute_metrics(S, data, k)
                h = 0.0
                for u in data.test_users:
                    s = S[u].astype(np.float64).copy()
                    s[data.train_pos[u]] = -np.inf
                    h += bool(np.isin(np.argsort(-s, kind="stable")[:k], data.test[u]).any())
                h /= len(data.test_users)
                sfx = "@%d/d%d" % (k, dd)
                ok = ok and abs(got["recall" + sfx] - r) < 1e-9 and abs(got["ndcg" + sfx] - n) < 1e-9 \
                    and abs(got["precision" + sfx] - p) < 1e-9 and abs(got["hit" + sfx] - h) < 1e-9
        ok = ok and all(got["%s@%d" % (m, k)] == got["%s@%d/d64" % (m, k)]
                        for m in ("recall", "ndcg", "precision", "hit") for k in (5, 10))
        check("L=%d: metrics at d = 4..64, k = 5, 10 == brute force; full width == d64" % L, ok)

    # 6. CLI: training lowers the loss in every mode; early stopping; time-epochs
    def run(extra):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            tm.main(["--data", d, "--batch", "8", "--lr", "0.01", "--topks", "5,10", "--threads", "1",
                     "--candidates", "3", "--json"] + extra)
        return [json.loads(line) for line in buf.getvalue().splitlines()]

    for extra in (["--negatives", "mns"], ["--negatives", "shared"], ["--negatives", "dns"],
                  ["--backbone", "lightgcn", "--layers", "2"]):
        recs = run(["--epochs", "30", "--eval-every", "10"] + extra)
        ep = [r for r in recs if "epoch" in r]
        losses = [r["loss"] for r in ep]
        check("train %s: %d batches/epoch, loss %.4f -> %.4f, per-level metrics present"
              % (" ".join(extra), ep[0]["n_batches"], losses[0], losses[-1]),
              len(ep) == 30 and ep[0]["n_batches"] == len(pu) // 8 and losses[-1] < 0.8 * losses[0]
              and "recall@10/d4" in ep[-1] and "ndcg@5/d16" in ep[-1] and "eval_s" in ep[9]
              and "eval_s" not in ep[8] and recs[-1]["summary"] and recs[-1]["stopped"] == "epochs")
    recs = run(["--max-epochs", "200", "--eval-every", "1", "--patience", "3", "--lr", "0.05"])
    ev = [r for r in recs if "recall@10" in r and "epoch" in r]
    s = recs[-1]
    vals = [r["recall@10"] for r in ev]
    first_best = int(np.argmax(vals))
    check("early stopping: stopped %s after %d evaluations, best epoch %d == first argmax of recall@10"
          % (s["stopped"], len(ev), s["best_epoch"]),
          s["best_epoch"] == ev[first_best]["epoch"] and s["recall@10"] == max(vals)
          and (s["stopped"] == "max_epochs" or (len(ev) - 1 - first_best == 3 and ev[-1]["bad_evals"] == 3)))
    recs = run(["--time-epochs", "2"])
    check("--time-epochs 2: two timed epochs and a median", len(recs[-1]["s_per_epoch"]) == 2
          and recs[-1]["median_s"] > 0 and not any("recall@10" in r for r in recs))
    check_device_flag("torch_mrl.py", d, ["--epochs", "1"], lambda: cuda_vs_cpu(d))
    print("all checks passed")


if __name__ == "__main__":
    main()
