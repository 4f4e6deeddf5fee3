#!/usr/bin/python3
"""Checks bench/torch_lightgcn.py on a tiny synthetic dataset written to a temp dir, against brute-force numpy.

Run: /usr/bin/python3 bench/test_torch_lightgcn.py   (prints OK lines, exits non-zero on the first failure)
"""
import math
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_lightgcn as tl  # noqa: E402


def make_tiny(d, M=12, N=40, seed=1):
    rng = np.random.default_rng(seed)
    with open(os.path.join(d, "train.txt"), "w") as ftr, open(os.path.join(d, "test.txt"), "w") as fte:
        for u in range(M):
            items = rng.permutation(N - 1)  # item N-1 never in train (degree-0 node); may appear in test
            ntr = 0 if u == M - 1 else int(rng.integers(2, 9))  # last user: no train items
            tr, te = items[:ntr], np.concatenate([items[ntr:ntr + int(rng.integers(1, 6))], [N - 1]])
            ftr.write(" ".join(map(str, [u, *tr])) + (" \r\n" if u == 3 else "\n"))  # CRLF + trailing blank once
            fte.write(" ".join(map(str, [u, *te])) + "\n")


def check(name, ok):
    print(("OK   " if ok else "FAIL ") + name)
    if not ok:
        sys.exit(1)


def brute_metrics(scores, data, k):
    """Dense numpy: mask train with -inf, full stable sort, loops over ranks."""
    P = R = N = 0.0
    for u in data.test_users:
        s = scores[u].astype(np.float64).copy()
        s[data.train_pos[u]] = -np.inf
        order = np.argsort(-s, kind="stable")[:k]
        T = set(data.test[u].tolist())
        hits = sum(1 for i in order if i in T)
        dcg = sum(1.0 / math.log2(r + 2) for r, i in enumerate(order) if i in T)
        idcg = sum(1.0 / math.log2(r + 2) for r in range(min(k, len(T))))
        P += hits / k
        R += hits / len(T)
        N += dcg / idcg
    m = len(data.test_users)
    return R / m, N / m, P / m


def dense_ahat(data):
    """D^-1/2 A D^-1/2 of the bipartite train graph, dense float64, straight from the definition."""
    M, N = data.n_users, data.n_items
    R = np.zeros((M, N))
    for u in range(M):
        R[u, data.train_pos[u]] = 1
    A = np.block([[np.zeros((M, M)), R], [R.T, np.zeros((N, N))]])
    deg = A.sum(1)
    dinv = np.where(deg > 0, 1 / np.sqrt(np.maximum(deg, 1e-300)), 0.0)
    return dinv[:, None] * A * dinv[None, :]


def check_device_flag(script, d, args, cuda_check=None):
    """--device cuda: without CUDA the CLI exits with code 2 and says so; with CUDA, cuda_check() runs (CPU vs GPU)."""
    import subprocess
    if not torch.cuda.is_available():
        r = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), script),
                            "--data", d, "--device", "cuda"] + args, capture_output=True, text=True)
        check("%s --device cuda without CUDA: exit code %d (2), message %r"
              % (script, r.returncode, r.stderr.strip().splitlines()[-1][:90]),
              r.returncode == 2 and "CUDA is not available" in r.stderr and r.stdout == "")
    elif cuda_check is not None:
        cuda_check()


def cli_records(main_fn, argv):
    import contextlib
    import io
    import json
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main_fn(argv)
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def cuda_vs_cpu(d, data, adj):
    """Same init, same batches on both devices: losses, gradients, metrics and CLI runs agree to fp32 rounding."""
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    M, N = data.n_users, data.n_items
    torch.manual_seed(4)
    m = tl.LightGCN(M, N, 16, 3, adj, 0.5)
    torch.manual_seed(4)
    g = tl.LightGCN(M, N, 16, 3, tl.adj_to(adj, dev), 0.5).to(dev)
    users, pos = np.array([0, 1, 1, 5, 7]), np.array([data.train_pos[u][0] for u in (0, 1, 1, 5, 7)])
    neg = np.array([N - 1, 20, 21, 22, 23])
    res = []
    for mod, dv in ((m, torch.device("cpu")), (g, dev)):
        loss, reg = mod.bpr_loss(tl.h2d(users, dv), tl.h2d(pos, dv), tl.h2d(neg, dv))
        mod.zero_grad()
        (loss + 0.1 * reg).backward()
        res.append((loss.item(), torch.cat([mod.user0.grad, mod.item0.grad]).cpu().numpy()))
    check("cuda: same init, loss and gradient == cpu", torch.equal(m.user0.detach(), g.user0.detach().cpu())
          and abs(res[0][0] - res[1][0]) < 1e-6 and np.allclose(res[0][1], res[1][1], atol=1e-6))
    for official in (False, True):
        a, b = tl.evaluate(m, data, k=5, official=official), tl.evaluate(g, data, k=5, official=official)
        check("cuda: evaluation official=%s == cpu" % official, all(abs(a[k] - b[k]) < 1e-9 for k in a))
    argv = ["--data", d, "--epochs", "3", "--batch", "8", "--lr", "0.01", "--eval-every", "3", "--topk", "5",
            "--threads", "1", "--json", "--time-spmm"]
    rc, rg = cli_records(tl.main, argv), cli_records(tl.main, argv + ["--device", "cuda"])
    lc, lg = [r["loss"] for r in rc if "loss" in r], [r["loss"] for r in rg if "loss" in r]
    check("cuda CLI on %s: losses %s == cpu %s (rel 1e-4), recall@5 %.4f vs %.4f"
          % (rg[0]["device"], ["%.5f" % x for x in lg], ["%.5f" % x for x in lc], rg[-1]["recall@5"],
             rc[-1]["recall@5"]),
          rg[0]["device"] != "cpu" and all(abs(x - y) < 1e-4 * abs(y) for x, y in zip(lg, lc)) and len(lg) == 3)


def main():
    torch.set_num_threads(1)
    d = tempfile.mkdtemp(prefix="tiny_lgcn_")
    make_tiny(d)
    data = tl.Data.load(d)
    M, N = data.n_users, data.n_items
    check("shape %dx%d, n_train %d" % (M, N, data.n_train), M == 12 and N == 40 and data.n_train == data.R.nnz)

    # 1. adjacency vs dense formula (COO and CSR agree)
    Ahat = dense_ahat(data)
    adj = data.norm_adj("coo")
    check("A_hat (COO) == D^-1/2 A D^-1/2, no self-loops",
          np.allclose(adj.to_dense().numpy(), Ahat, atol=1e-6) and np.all(np.diag(adj.to_dense().numpy()) == 0))
    check("nnz == 2 * n_train", adj._nnz() == 2 * data.n_train)
    csr = data.norm_adj("csr")
    check("A_hat (CSR) == COO", np.allclose(csr.to_dense().numpy(), Ahat, atol=1e-6))

    # 2. propagation + layer mean vs numpy
    torch.manual_seed(0)
    K = 3
    model = tl.LightGCN(M, N, 8, K, adj, 0.1)
    E0 = torch.cat([model.user0, model.item0]).detach().double().numpy()
    layers = [E0]
    for _ in range(K):
        layers.append(Ahat @ layers[-1])
    E = np.mean(layers, axis=0)
    U, V = model.computer()
    check("computer() == mean_k A_hat^k E0",
          np.allclose(U.detach().numpy(), E[:M], atol=1e-6) and np.allclose(V.detach().numpy(), E[M:], atol=1e-6))
    check("isolated nodes keep E0/(K+1)",
          np.allclose(V[N - 1].detach().numpy(), E0[M + N - 1] / (K + 1), atol=1e-7)
          and np.allclose(U[M - 1].detach().numpy(), E0[M - 1] / (K + 1), atol=1e-7))

    # 3. loss vs numpy; gradient vs dense-adjacency autograd in float64
    users = np.array([0, 1, 1, 5, 7])
    pos = np.array([data.train_pos[u][0] for u in users])
    neg = np.array([N - 1, 20, 21, 22, 23])
    loss, reg = model.bpr_loss(torch.from_numpy(users), torch.from_numpy(pos), torch.from_numpy(neg))
    yp = (E[users] * E[M + pos]).sum(1)
    yn = (E[users] * E[M + neg]).sum(1)
    ref_loss = np.mean(np.log1p(np.exp(yn - yp)))
    ref_reg = 0.5 * ((E0[users] ** 2).sum() + (E0[M + pos] ** 2).sum() + (E0[M + neg] ** 2).sum()) / len(users)
    check("BPR loss == mean softplus(yn - yp)", abs(loss.item() - ref_loss) < 1e-6)
    check("reg == 0.5 * sum ||e0||^2 / B (duplicates counted)", abs(reg.item() - ref_reg) < 1e-6)
    total = loss + 1e-2 * reg
    model.zero_grad()
    total.backward()
    g_sparse = torch.cat([model.user0.grad, model.item0.grad]).numpy()
    e0 = torch.tensor(E0, requires_grad=True)
    Ad = torch.tensor(Ahat)
    ls = [e0]
    for _ in range(K):
        ls.append(Ad @ ls[-1])
    Ed = torch.stack(ls, 1).mean(1)
    ut, pt, nt = torch.from_numpy(users), torch.from_numpy(pos), torch.from_numpy(neg)
    l2 = torch.nn.functional.softplus((Ed[ut] * Ed[M + nt]).sum(1) - (Ed[ut] * Ed[M + pt]).sum(1)).mean() \
        + 1e-2 * 0.5 * (e0[ut].pow(2).sum() + e0[M + pt].pow(2).sum() + e0[M + nt].pow(2).sum()) / len(users)
    l2.backward()
    check("gradient through sparse.mm == dense float64 autograd", np.allclose(g_sparse, e0.grad.numpy(), atol=1e-6))

    # 4. samplers
    rng = np.random.default_rng(0)
    for sampler, B in (("torch", 7), ("tf", 5)):
        bs = tl.epoch_batches(data, sampler, B, rng)
        allu = np.concatenate([b[0] for b in bs])
        allp = np.concatenate([b[1] for b in bs])
        alln = np.concatenate([b[2] for b in bs])
        ok = all(p in data.train_pos[u] for u, p in zip(allu, allp)) and \
            all(n not in data.train_pos[u] for u, n in zip(allu, alln)) and data.train_lens[allu].min() > 0
        if sampler == "torch":
            ok = ok and len(bs) == math.ceil(len(allu) / B) and all(len(b[0]) == B for b in bs[:-1]) \
                and len(allu) <= data.n_train
        else:
            ok = ok and len(bs) == data.n_train // B + 1 and all(len(set(b[0].tolist())) == B for b in bs)
        check("sampler %s: pos in train, neg not in train, batch structure" % sampler, ok)
    # negatives uniform over the non-train items of a user (chi-square-ish sanity on user 0)
    u0 = np.zeros(200000, np.int64)
    _, negs = tl.sample_triples(data, u0, rng)
    cnt = np.bincount(negs, minlength=N)
    allowed = np.setdiff1d(np.arange(N), data.train_pos[0])
    exp = len(u0) / len(allowed)
    check("negatives uniform over non-train items", cnt[data.train_pos[0]].sum() == 0
          and np.abs(cnt[allowed] - exp).max() < 5 * math.sqrt(exp))

    # 5. metrics: fast and official eval vs brute-force numpy
    k = 5
    for Kl in (0, 3):
        torch.manual_seed(3)
        m = tl.LightGCN(M, N, 8, Kl, adj, 0.5)
        U, V = m.computer()
        S = (U @ V.t()).detach().numpy()
        r, n, p = brute_metrics(S, data, k)
        for official, tb in ((False, 5), (True, 100), (False, 2048)):
            got = tl.evaluate(m, data, k=k, official=official, test_batch=tb)
            check("K=%d eval official=%s tb=%d == brute force (R %.4f N %.4f P %.4f)" % (Kl, official, tb, r, n, p),
                  abs(got["recall@5"] - r) < 1e-9 and abs(got["ndcg@5"] - n) < 1e-9
                  and abs(got["precision@5"] - p) < 1e-9)
    # hand-computed single user: test {a,b}, ranked list hits at ranks 1 and 3 -> NDCG = (1 + 1/2)/(1 + 1/log2 3)
    top = np.array([[10, 11, 12, 13, 14]])
    saved = data.test
    data.test = {0: np.array([10, 12])}
    p, r, n = tl.batch_metrics(top, data, [0], 5)
    data.test = saved
    check("hand example P=2/5 R=1 NDCG=(1+1/2)/(1+1/log2(3))",
          abs(p - 0.4) < 1e-12 and abs(r - 1) < 1e-12 and abs(n - 1.5 / (1 + 1 / math.log2(3))) < 1e-12)

    # 6. training decreases the loss (CLI path, both samplers and MF)
    for extra in (["--sampler", "torch"], ["--sampler", "tf"], ["--model", "mf"], ["--sparse", "csr"]):
        import io
        import contextlib
        import json
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            tl.main(["--data", d, "--epochs", "30", "--batch", "8", "--lr", "0.01", "--eval-every", "30",
                     "--topk", "5", "--threads", "1", "--json"] + extra)
        recs = [json.loads(l) for l in buf.getvalue().splitlines()]
        losses = [r["loss"] for r in recs if "loss" in r]
        check("train %s: loss %.4f -> %.4f decreases, metrics present" % (" ".join(extra), losses[0], losses[-1]),
              losses[-1] < 0.7 * losses[0] and "recall@5" in recs[-1])
    check_device_flag("torch_lightgcn.py", d, ["--epochs", "1"], lambda: cuda_vs_cpu(d, data, adj))
    print("all checks passed")


if __name__ == "__main__":
    main()
