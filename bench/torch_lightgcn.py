#!/usr/bin/python3
"""PyTorch reference of the LightGCN-PyTorch training/evaluation protocol (peer for recforge benchmarks).

Written from the spec in shared/design/ALGORITHMS.md Part A (no code copied from the reference repos).

Model: E0 = [user table; item table] ~ N(0, init_std^2) (0.1 like the PyTorch port), A_hat = D^-1/2 A D^-1/2 of the
bipartite train graph without self-loops, built from the edge list (per-edge weight 1/sqrt(deg u * deg i)) as a
torch sparse COO tensor (or CSR with --sparse csr). E = mean(E0, A_hat E0, ..., A_hat^K E0), recomputed with K
torch.sparse.mm calls for EVERY mini-batch with autograd through all of them (like the port's computer()), then
the batch rows are gathered. Loss = mean softplus(y_uj - y_ui) + reg * 0.5 * (||e0_u||^2+||e0_i||^2+||e0_j||^2)/B
with B = actual batch length, torch.optim.Adam(lr). --model mf is the K = 0 case (no propagation).

Samplers (one negative per positive, uniform over all items, rejecting the user's train items):
  torch: n_train users drawn with replacement from all M users (users without train items skipped), one uniform
         positive + one rejection-sampled negative each, shuffled, consecutive batches of B (last one partial).
         (= the port's Python fallback sampler; rejection is vectorized over the epoch instead of a Python loop,
         which gives the same distribution.)
  tf:    floor(n_train / B) + 1 batches, each of B distinct users drawn without replacement from users with train
         items, one positive + one negative each (= the TF paper code; the loss divides by B there too).

Evaluation (test users = users with >= 1 test item; all N items ranked; train items masked; top-20;
Precision = hits/20, Recall = hits/|T_u|, NDCG = DCG/IDCG with IDCG over min(20, |T_u|); unweighted user mean):
  default ("fast"): the final embeddings are computed ONCE per evaluation (no grad), then users in batches of
         --test-batch: scores = U_b @ V^T, train items set to -inf, torch.topk(20).
  --official-eval: like the port's Test(): the full K-layer propagation is recomputed (no grad) for every batch of
         100 test users, scores = sigmoid(U_b @ V^T), train items set to -1024, torch.topk(20).

Output with --json: one JSON line per epoch {epoch, loss, train_s, sample_s, step_s, n_batches, load1,
[eval_s, recall@20, ndcg@20, precision@20]}. loss = mean over batches of (BPR + reg) like the port's printout.
The setup line records the torch version and the device (torch.cuda.get_device_name() or "cpu").

--device cuda (default cpu; the cpu path is unchanged): the parameters (initialized on the CPU with the same seeded
generator, then moved, so the init equals the cpu run's), the normalized adjacency and every batch's index tensors
(copied with non_blocking=True) live on the GPU; sampling stays on the CPU in numpy like the reference code.
Evaluation scores, train-item masking and torch.topk run on the GPU; only the top-k ids come back to the CPU.
TF32 is disabled (torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False) so that all
products are true fp32 like on the CPU. torch.cuda.synchronize() precedes every clock read that ends a timed region
(train_s, sample_s, step_s, eval_s, --time-spmm). Exits with code 2 and a message when CUDA is unavailable.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")


def load1():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def add_device_arg(ap):
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="cuda: parameters, adjacency, batch indices and evaluation on the GPU (fp32, no TF32)")


def setup_device(name, ap):
    """torch.device for --device; cuda: exits with code 2 (ap.error) when unavailable, disables TF32 and creates the
    CUDA context here (outside every timed region)."""
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        ap.error("--device cuda: CUDA is not available (torch %s, built with CUDA %s); use --device cpu"
                 % (torch.__version__, torch.version.cuda))
    with warnings.catch_warnings():  # the allow_tf32 flags are "legacy" (still honoured) from PyTorch 2.9 on
        warnings.simplefilter("ignore")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    torch.zeros(1, device=dev)
    sync(dev)
    return dev


def device_info(dev):
    """JSON fields describing the device."""
    if dev.type == "cpu":
        return {"device": "cpu"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf32 = bool(torch.backends.cuda.matmul.allow_tf32)
    return {"device": torch.cuda.get_device_name(dev), "cuda": torch.version.cuda, "matmul_tf32": tf32}


def sync(dev):
    """Waits for the queued GPU work (no-op on the CPU): call before a clock read that ends a timed region."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def adj_to(adj, dev):
    """The normalized adjacency on dev (COO stays coalesced: coalesce() returns it unchanged when flagged so)."""
    adj = adj.to(dev)
    if adj.layout == torch.sparse_coo:
        adj = adj.coalesce()
    sync(dev)
    return adj


def h2d(a, dev):
    """numpy array -> tensor on dev (shares the memory on the CPU; non-blocking copy on the GPU)."""
    t = torch.from_numpy(a)
    return t if dev.type == "cpu" else t.to(dev, non_blocking=True)


# ----------------------------------------------------------------------------------------------------- data
def read_lists(path):
    """Lines `user item item ...` -> dict user -> int64 array (empty lists / CRLF / trailing blanks accepted)."""
    out = {}
    with open(path) as f:
        for line in f:
            tok = line.split()
            if not tok:
                continue
            out[int(tok[0])] = np.array([int(t) for t in tok[1:]], dtype=np.int64)
    return out


class Data:
    def __init__(self, train, test):
        self.n_users = 1 + max(max(train), max(test) if test else -1)
        n_items = 0
        for d in (train, test):
            for v in d.values():
                if len(v):
                    n_items = max(n_items, int(v.max()) + 1)
        self.n_items = n_items
        M = self.n_users
        self.train_pos = [train.get(u, np.zeros(0, np.int64)) for u in range(M)]
        lens = np.array([len(p) for p in self.train_pos], dtype=np.int64)
        self.train_lens = lens
        self.train_indptr = np.concatenate([[0], np.cumsum(lens)])
        self.train_items = (np.concatenate(self.train_pos) if lens.sum() else np.zeros(0, np.int64))
        self.train_users = np.repeat(np.arange(M, dtype=np.int64), lens)
        # R as CSR (duplicates collapse, like the reference) and sorted pair keys for vectorized rejection
        R = sp.csr_matrix((np.ones(len(self.train_items), np.float32), (self.train_users, self.train_items)),
                          shape=(M, self.n_items))
        R.sum_duplicates()
        R.data[:] = 1.0
        self.R = R
        self.n_train = int(R.nnz)
        self.pair_keys = np.sort(self.train_users * self.n_items + self.train_items)
        self.test = {u: v for u, v in test.items() if len(v) > 0}
        self.test_users = np.array(sorted(self.test), dtype=np.int64)

    @staticmethod
    def load(d):
        return Data(read_lists(os.path.join(d, "train.txt")), read_lists(os.path.join(d, "test.txt")))

    def norm_adj(self, fmt="coo"):
        """A_hat = D^-1/2 [[0,R],[R^T,0]] D^-1/2 from the edge list; degree-0 nodes get 0."""
        M, N = self.n_users, self.n_items
        coo = self.R.tocoo()
        u = coo.row.astype(np.int64)
        i = coo.col.astype(np.int64)
        du = np.asarray(self.R.sum(axis=1)).ravel()
        di = np.asarray(self.R.sum(axis=0)).ravel()
        w = (1.0 / np.sqrt(du[u] * di[i])).astype(np.float32)  # both > 0 on an edge
        rows = np.concatenate([u, M + i])
        cols = np.concatenate([M + i, u])
        vals = np.concatenate([w, w])
        n = M + N
        if fmt == "csr":
            A = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
            A.sort_indices()
            return torch.sparse_csr_tensor(torch.from_numpy(A.indptr.astype(np.int64)),
                                           torch.from_numpy(A.indices.astype(np.int64)),
                                           torch.from_numpy(A.data), size=(n, n))
        idx = torch.from_numpy(np.stack([rows, cols]))
        return torch.sparse_coo_tensor(idx, torch.from_numpy(vals), (n, n)).coalesce()


# -------------------------------------------------------------------------------------------------- sampling
def is_train(data, users, items):
    keys = users * data.n_items + items
    pos = np.searchsorted(data.pair_keys, keys)
    pos = np.minimum(pos, len(data.pair_keys) - 1)
    return data.pair_keys[pos] == keys


def sample_triples(data, users, rng):
    """One uniform positive + one uniform non-train negative (rejection) per user in `users` (all have items)."""
    lens = data.train_lens[users]
    off = (rng.random(len(users)) * lens).astype(np.int64)
    off = np.minimum(off, lens - 1)
    pos = data.train_items[data.train_indptr[users] + off]
    return pos, uniform_negatives(data, users, rng)


def uniform_negatives(data, users, rng):
    """One item per entry of the 1-d array `users`, uniform over all items, redrawn (vectorized rejection) while it
    is one of that user's train items. Each user must have at least one non-train item."""
    neg = rng.integers(0, data.n_items, len(users))
    bad = is_train(data, users, neg)
    while bad.any():
        idx = np.nonzero(bad)[0]
        neg[idx] = rng.integers(0, data.n_items, len(idx))
        bad[idx] = is_train(data, users[idx], neg[idx])
    return neg


def epoch_batches(data, sampler, B, rng):
    """List of (users, pos, neg) int64 arrays for one epoch."""
    if sampler == "torch":
        users = rng.integers(0, data.n_users, data.n_train)
        users = users[data.train_lens[users] > 0]
        pos, neg = sample_triples(data, users, rng)
        perm = rng.permutation(len(users))
        users, pos, neg = users[perm], pos[perm], neg[perm]
        return [(users[s:s + B], pos[s:s + B], neg[s:s + B]) for s in range(0, len(users), B)]
    if sampler == "tf":
        cand = np.nonzero(data.train_lens > 0)[0]
        out = []
        for _ in range(data.n_train // B + 1):
            users = rng.choice(cand, size=min(B, len(cand)), replace=False)
            pos, neg = sample_triples(data, users, rng)
            out.append((users, pos, neg))
        return out
    raise ValueError(sampler)


# ------------------------------------------------------------------------------------------------------ model
class LightGCN(torch.nn.Module):
    def __init__(self, n_users, n_items, dim, layers, adj, init_std, init="normal"):
        """init "normal": N(0, init_std^2); "xavier": Xavier-uniform per table, U(-b, b), b = sqrt(6/(rows+dim))
        (init_std ignored). Users are drawn first, then items."""
        super().__init__()
        self.M, self.N, self.K, self.adj = n_users, n_items, layers, adj
        self.user0 = torch.nn.Parameter(torch.empty(n_users, dim))
        self.item0 = torch.nn.Parameter(torch.empty(n_items, dim))
        for t in (self.user0, self.item0):
            if init == "normal":
                torch.nn.init.normal_(t, std=init_std)
            elif init == "xavier":
                torch.nn.init.xavier_uniform_(t)  # fan_in = dim, fan_out = rows
            else:
                raise ValueError(init)

    def computer(self):
        """Final (layer-mean) user and item embeddings over the whole graph."""
        e = torch.cat([self.user0, self.item0])
        if self.K == 0:
            return self.user0, self.item0
        layers = [e]
        for _ in range(self.K):
            e = torch.sparse.mm(self.adj, e)
            layers.append(e)
        out = torch.stack(layers, dim=1).mean(dim=1)
        return out[:self.M], out[self.M:]

    def bpr_loss(self, users, pos, neg):
        U, V = self.computer()
        eu, ep, en = U[users], V[pos], V[neg]
        ys_pos = (eu * ep).sum(1)
        ys_neg = (eu * en).sum(1)
        loss = F.softplus(ys_neg - ys_pos).mean()
        reg = 0.5 * (self.user0[users].pow(2).sum() + self.item0[pos].pow(2).sum()
                     + self.item0[neg].pow(2).sum()) / float(len(users))
        return loss, reg


def train_epoch(model, opt, data, args, rng, dev=torch.device("cpu")):
    sync(dev)
    t0 = time.perf_counter()
    batches = epoch_batches(data, args.sampler, args.batch, rng)
    if args.max_batches:
        batches = batches[:args.max_batches]  # timing probes only: a partial epoch
    sync(dev)
    t1 = time.perf_counter()
    total = 0.0
    model.train()
    for b, (users, pos, neg) in enumerate(batches):
        if args.progress and b % args.progress == 0:
            print("  batch %d/%d %.1fs load1 %.2f" % (b, len(batches), time.perf_counter() - t1, load1()),
                  file=sys.stderr, flush=True)
        u = h2d(users, dev)
        p = h2d(pos, dev)
        n = h2d(neg, dev)
        loss, reg = model.bpr_loss(u, p, n)
        loss = loss + args.reg * reg
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    sync(dev)
    t2 = time.perf_counter()
    return total / len(batches), t2 - t0, t1 - t0, t2 - t1, len(batches)


# ------------------------------------------------------------------------------------------------- evaluation
def hit_matrix(top, data, users):
    """top: (b, k) item ids in rank order -> (b, k) bool, True where the item is in that user's test set."""
    return np.array([np.isin(row, data.test[int(u)]) for row, u in zip(top, users)], dtype=bool).reshape(top.shape)


def metric_sums(rel, tlen, k):
    """rel: (b, >= k) relevance in rank order, tlen: |T_u| per row. Sums over the rows of
    (precision, recall, ndcg, hit-rate) at cut-off k (IDCG over min(k, |T_u|) hits)."""
    rel = rel[:, :k]
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    cdisc = np.concatenate([[0.0], np.cumsum(disc)])
    hits = rel.sum(1)
    ndcg = (rel * disc).sum(1) / cdisc[np.minimum(k, tlen)]
    return tuple(_seq_sum(x) for x in (hits / k, hits / tlen, ndcg, hits > 0))


def _seq_sum(x):
    """Left-to-right float64 sum (the order of the former per-user accumulation: bit-identical totals)."""
    return float(np.cumsum(x, dtype=np.float64)[-1]) if len(x) else 0.0


def test_lens(data, users):
    return np.array([len(data.test[int(u)]) for u in users], dtype=np.int64)


def batch_metrics(top, data, users, k):
    """top: (b, k) int64 item ids in rank order. Returns sums of (precision, recall, ndcg) over the batch."""
    return metric_sums(hit_matrix(top, data, users), test_lens(data, users), k)[:3]


def mask_train(scores, data, users, value):
    rows = []
    cols = []
    for j, u in enumerate(users):
        items = data.train_pos[int(u)]
        rows.append(np.full(len(items), j, np.int64))
        cols.append(items)
    scores[h2d(np.concatenate(rows), scores.device), h2d(np.concatenate(cols), scores.device)] = value


@torch.no_grad()
def ranked_batches(U, V, data, k, test_batch):
    """Fast ranking of the test users in batches of test_batch: yields (users, top) with scores = U_b @ V^T,
    the user's train items set to -inf, top = torch.topk(k) item ids (b, k) in rank order."""
    users_all = data.test_users
    Vt = V.t().contiguous()
    for s in range(0, len(users_all), test_batch):
        users = users_all[s:s + test_batch]
        scores = U[h2d(users, U.device)] @ Vt
        mask_train(scores, data, users, -math.inf)
        yield users, torch.topk(scores, k=k, dim=1).indices.cpu().numpy()


@torch.no_grad()
def official_batches(model, data, k, test_batch):
    """Like the port's Test(): the full propagation recomputed for every test batch, sigmoid scores, -1024 mask."""
    users_all = data.test_users
    for s in range(0, len(users_all), test_batch):
        users = users_all[s:s + test_batch]
        U, V = model.computer()
        scores = torch.sigmoid(U[h2d(users, U.device)] @ V.t())
        mask_train(scores, data, users, -1024.0)
        yield users, torch.topk(scores, k=k, dim=1).indices.cpu().numpy()


@torch.no_grad()
def evaluate(model, data, k=20, official=False, test_batch=100):
    model.eval()
    users_all = data.test_users
    P = R = N = 0.0
    if official:
        batches = official_batches(model, data, k, test_batch)
    else:
        U, V = model.computer()
        batches = ranked_batches(U, V, data, k, test_batch)
    for users, top in batches:
        p, r, n = batch_metrics(top, data, users, k)
        P += p
        R += r
        N += n
    m = len(users_all)
    return {"recall@%d" % k: R / m, "ndcg@%d" % k: N / m, "precision@%d" % k: P / m}


# ------------------------------------------------------------------------------------------------------- main
def time_spmm(adj, dim, reps=10):
    x = torch.randn(adj.shape[0], dim, generator=torch.Generator().manual_seed(12345))  # keeps the init RNG untouched
    dev = adj.device
    x = x.to(dev)
    torch.sparse.mm(adj, x)  # warm-up
    ts = []
    for _ in range(reps):
        sync(dev)
        t0 = time.perf_counter()
        torch.sparse.mm(adj, x)
        sync(dev)
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), ts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--reg", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--eval-every", type=int, default=1, help="evaluate after epoch e when e %% N == 0 (0: never)")
    ap.add_argument("--eval-at-start", action="store_true", help="also evaluate the initial model (epoch 0)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--sampler", choices=["torch", "tf"], default="torch")
    ap.add_argument("--model", choices=["lightgcn", "mf"], default="lightgcn")
    ap.add_argument("--init-std", type=float, default=0.1)
    ap.add_argument("--sparse", choices=["coo", "csr"], default="coo")
    ap.add_argument("--topk", type=int, default=20)
    ap.add_argument("--official-eval", action="store_true", help="same as --eval-mode official")
    ap.add_argument("--eval-mode", choices=["fast", "official", "both"], default=None,
                    help="both: run the fast then the official evaluation on every evaluated epoch")
    ap.add_argument("--test-batch", type=int, default=None, help="users per eval batch (100 official, 2048 fast)")
    ap.add_argument("--time-spmm", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--max-batches", type=int, default=0, help="timing probe: stop each epoch after N batches")
    ap.add_argument("--progress", type=int, default=0, help="print a stderr line every N batches (0: off)")
    add_device_arg(ap)
    args = ap.parse_args(argv)
    dev = setup_device(args.device, ap)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    emit = (lambda d: print(json.dumps(d), flush=True)) if args.json else (lambda d: print(d, flush=True))

    t0 = time.perf_counter()
    data = Data.load(args.data)
    t1 = time.perf_counter()
    layers = 0 if args.model == "mf" else args.layers
    adj = data.norm_adj(args.sparse) if (layers > 0 or args.time_spmm) else None
    if adj is not None and dev.type != "cpu":
        adj = adj_to(adj, dev)
    t2 = time.perf_counter()
    info = {"setup": True, "users": data.n_users, "items": data.n_items, "n_train": data.n_train,
            "test_users": int(len(data.test_users)), "nnz": int(adj._nnz()) if adj is not None and args.sparse == "coo"
            else (int(adj.values().numel()) if adj is not None else 0),
            "load_s": t1 - t0, "graph_s": t2 - t1, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "model": args.model, "layers": layers, "sampler": args.sampler, "sparse": args.sparse, "load1": load1()}
    info.update(device_info(dev))
    emit(info)
    if args.time_spmm:
        med, ts = time_spmm(adj, args.dim)
        emit({"time_spmm": True, "shape": [adj.shape[0], adj.shape[1], args.dim], "median_s": med,
              "runs_s": ts, "load1": load1()})
        if args.epochs == 0:
            return

    model = LightGCN(data.n_users, data.n_items, args.dim, layers, adj, args.init_std)  # init on the CPU
    if dev.type != "cpu":
        model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    mode = args.eval_mode or ("official" if args.official_eval else "fast")
    modes = ["fast", "official"] if mode == "both" else [mode]

    def do_eval(rec):
        for i, md in enumerate(modes):
            official = md == "official"
            tb = args.test_batch or (100 if official else 2048)
            te = time.perf_counter()
            m = evaluate(model, data, k=args.topk, official=official, test_batch=tb)
            sync(dev)
            dt = time.perf_counter() - te
            if i == 0:  # first mode fills the plain keys
                rec.update({"eval_s": dt, "eval_mode": md, "test_batch": tb})
                rec.update(m)
            else:
                rec.update({md + "_eval_s": dt, md + "_test_batch": tb})
                rec.update({md + "_" + k: v for k, v in m.items()})
            rec["load1_after_eval_" + md] = load1()

    if args.eval_at_start:
        rec = {"epoch": 0, "load1": load1()}
        do_eval(rec)
        emit(rec)
    for epoch in range(1, args.epochs + 1):
        rec = {"epoch": epoch, "load1": load1()}
        loss, tr, ts, tstep, nb = train_epoch(model, opt, data, args, rng, dev)
        rec.update({"loss": loss, "train_s": tr, "sample_s": ts, "step_s": tstep, "n_batches": nb,
                    "load1_after_train": load1()})
        if args.eval_every and epoch % args.eval_every == 0:
            do_eval(rec)
        emit(rec)


if __name__ == "__main__":
    main()
