#!/usr/bin/python3
"""PyTorch reference of the MRL4Rec training/evaluation recipe (peer for recforge issue 4).

Written from the spec in shared/design/ALGORITHMS.md Part B section 1 (no code copied from the authors' repo).
Data reading, the normalized adjacency, the LightGCN/MF backbone, rejection sampling and the ranking/metric
helpers are imported from torch_lightgcn.py (the LightGCN peer).

Model: user and item ego tables E0 [rows, 64], Xavier-uniform per table (U(-b, b), b = sqrt(6/(rows + 64))).
Backbone: MF (default; final z = E0) or LightGCN with --layers L (z = mean(E0, A_hat E0, ..., A_hat^L E0),
torch.sparse.mm recomputed with autograd for every batch, like the authors' code).

Nested levels M = --levels (default 4,8,16,32,64), level score s_k(u, i) = <z_u[:d_k], z_i[:d_k]>, level weights
w_k (default uniform 1/K).

Epoch: all distinct train (u, p) pairs shuffled, consecutive batches of --batch (2048), the LAST PARTIAL BATCH
DROPPED. Per batch: z = backbone(E0) once; candidates drawn uniformly over all items with vectorized rejection of
the user's train items (with replacement, duplicates allowed); negatives chosen with no gradient on the detached z:
  mns     (default) K*N candidates per positive, group k = candidates [k*N, (k+1)*N), scored with the level-k
          prefix; n_k = argmax. Level k's triplet is (u, p, n_k).
  shared  "MRL w/o MNS": N candidates, hardest by the full-width score, the one negative reused at every level.
  dns     plain BPR with dynamic negatives: N candidates, hardest at full width, loss only on the full-width
          score with weight 1 (levels ignored).
Loss = sum_k w_k mean_B softplus(s_k(u, n_k) - s_k(u, p))
       + lambda/(2B) (||e0_u||^2 + ||e0_p||^2 + sum over the negative slots ||e0_n||^2)
(mns: one slot per level, sum_k even when two levels picked the same item; shared/dns: one slot, counted once).
Adam (dense, all rows), lr 1e-3, lambda 1e-4.

Threads: on a loaded 2-core machine, PyTorch's OpenMP workers spin-wait at every parallel op; with the small MF
ops of this recipe that made 2-thread epochs 10-30x slower than 1 thread. Set OMP_WAIT_POLICY=PASSIVE in the
environment (recorded in the setup line) when the machine is shared; it changes only timing.

Evaluation (every --eval-every = 5 epochs, on test; users with >= 1 test item; all items ranked, train items
masked; top-max(--topks)): at full width (keys recall@K, ndcg@K, precision@K, hit@K for K in --topks, default
10,20,50) and at every level's prefix d (keys recall@K/dD, ndcg@K/dD, precision@K/dD, hit@K/dD; the last level
d = 64 repeats the full-width numbers). Early stopping as the authors: best test recall@10, stop after --patience
(10) evaluations without a strict improvement, at most --max-epochs (300). --epochs N: exactly N epochs, no
early stopping.

Output (--json): a setup line, then one object per epoch {epoch, loss, train_s, sample_s (candidate generation +
scoring), cand_s, score_s, loss_s (forward: propagation + loss), step_s (backward + Adam), n_batches, load1,
[eval_s, metrics, best_epoch, bad_evals]}, then a summary line with the best evaluation. loss = mean over batches
of (ranking + L2). --time-epochs N: trains N epochs without evaluation and prints the seconds per epoch.
The setup line records the torch version and the device (torch.cuda.get_device_name() or "cpu").

--device cuda (default cpu; the cpu path is unchanged): the parameters (initialized on the CPU with the same seeded
generator, then moved, so the init equals the cpu run's), the normalized adjacency and every batch's users,
positives and candidates (copied with non_blocking=True, inside cand_s) live on the GPU; pair shuffling and
candidate sampling stay on the CPU in numpy. Negative selection, loss, Adam and the evaluation (scores, masking,
torch.topk; only the top-k ids come back to the CPU) run on the GPU. TF32 is disabled
(torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False): true fp32 products like on the
CPU. torch.cuda.synchronize() precedes every clock read that ends a timed region (train_s, cand_s, score_s, loss_s,
step_s, eval_s). Exits with code 2 and a message when CUDA is unavailable.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_lightgcn as tl  # noqa: E402

LEVELS = (4, 8, 16, 32, 64)


# ------------------------------------------------------------------------------------------------------ plan
class Plan:
    """How the negatives of one positive are built.

    groups: scoring width of each candidate group (group g = candidate columns [g*N, (g+1)*N)); the group's
            negative is the argmax of <z_u[:w], z_c[:w]> over its N candidates.
    levels: (d, weight, g) per loss term: BPR on the d-prefix with group g's negative.
    """

    def __init__(self, mode, levels=LEVELS, weights=None, n_cand=8, dim=64):
        levels = [int(d) for d in levels]
        if not levels or any(d <= 0 for d in levels) or any(a >= b for a, b in zip(levels, levels[1:])):
            raise ValueError("levels must be positive and strictly increasing: %s" % levels)
        if levels[-1] > dim:
            raise ValueError("level %d larger than dim %d" % (levels[-1], dim))
        if weights is None:
            weights = [1.0 / len(levels)] * len(levels)
        weights = [float(w) for w in weights]
        if len(weights) != len(levels) or any(not w > 0 for w in weights):
            raise ValueError("need one positive weight per level: %s" % weights)
        if n_cand < 1:
            raise ValueError("candidates per level must be >= 1")
        self.mode, self.n_cand, self.dim = mode, int(n_cand), dim
        if mode == "mns":
            self.groups = list(levels)
            self.levels = [(d, w, k) for k, (d, w) in enumerate(zip(levels, weights))]
        elif mode == "shared":
            self.groups = [dim]
            self.levels = [(d, w, 0) for d, w in zip(levels, weights)]
        elif mode == "dns":
            self.groups = [dim]
            self.levels = [(dim, 1.0, 0)]
        else:
            raise ValueError(mode)

    @property
    def n_total(self):
        """Candidates drawn per positive."""
        return len(self.groups) * self.n_cand


# ---------------------------------------------------------------------------------------------------- batches
def train_pairs(data):
    """Distinct train (user, item) pairs (the loader de-duplicates items per line), as int64 arrays."""
    coo = data.R.tocoo()
    return coo.row.astype(np.int64), coo.col.astype(np.int64)


def epoch_batches(n_pairs, batch, rng):
    """One shuffle of the pair indices cut into n_pairs // batch full batches (the last partial one dropped)."""
    perm = rng.permutation(n_pairs)
    return [perm[b * batch:(b + 1) * batch] for b in range(n_pairs // batch)]


def sample_candidates(data, users, n, rng):
    """(B, n) items per user, uniform over all items, rejecting the user's train items (with replacement)."""
    return tl.uniform_negatives(data, np.repeat(users, n), rng).reshape(len(users), n)


@torch.no_grad()
def select_negatives(U, V, users, cand, plan):
    """(B, n_groups) int64: per group g, the candidate of cand[:, g*N:(g+1)*N] with the highest score on the
    group's prefix width (first one on ties). U, V: final embeddings (no gradient taken). users, cand: numpy arrays
    or tensors on U's device."""
    N = plan.n_cand
    ut = torch.as_tensor(users, device=U.device)
    ct = torch.as_tensor(cand, device=U.device)
    out = []
    for g, w in enumerate(plan.groups):
        c = ct[:, g * N:(g + 1) * N]
        s = torch.bmm(V[c, :w], U[ut, :w].unsqueeze(2)).squeeze(2)  # (B, N)
        out.append(c.gather(1, s.argmax(1, keepdim=True)))
    return torch.cat(out, 1)


# ------------------------------------------------------------------------------------------------------- loss
def mrl_loss(model, U, V, users, pos, negs, plan, lam):
    """(ranking, l2) for one batch: U, V = model.computer() (with grad), negs (B, n_groups) from select_negatives."""
    B = len(users)
    eu, ep = U[users], V[pos]
    en = [V[negs[:, g]] for g in range(negs.shape[1])]
    rank = 0.0
    for d, w, g in plan.levels:
        x = (eu[:, :d] * en[g][:, :d]).sum(1) - (eu[:, :d] * ep[:, :d]).sum(1)
        rank = rank + w * F.softplus(x).mean()
    l2 = (model.user0[users].pow(2).sum() + model.item0[pos].pow(2).sum() + model.item0[negs].pow(2).sum())
    return rank, lam * l2 / (2.0 * B)


def train_epoch(model, opt, data, pairs, plan, args, rng, dev=torch.device("cpu")):
    tl.sync(dev)
    t0 = time.perf_counter()
    pu, pi = pairs
    batches = epoch_batches(len(pu), args.batch, rng)
    if not batches:
        raise ValueError("batch %d larger than the %d train pairs: no full batch" % (args.batch, len(pu)))
    tc = ts = tl_ = tst = 0.0
    total = 0.0
    model.train()
    for idx in batches:
        a = time.perf_counter()
        users, pos = pu[idx], pi[idx]
        cand = sample_candidates(data, users, plan.n_total, rng)
        if dev.type != "cpu":
            users, pos, cand = tl.h2d(users, dev), tl.h2d(pos, dev), tl.h2d(cand, dev)
            tl.sync(dev)
        b = time.perf_counter()
        U, V = model.computer()
        tl.sync(dev)
        c = time.perf_counter()
        negs = select_negatives(U.detach(), V.detach(), users, cand, plan)
        tl.sync(dev)
        d = time.perf_counter()
        ut, pt = torch.as_tensor(users), torch.as_tensor(pos)
        rank, l2 = mrl_loss(model, U, V, ut, pt, negs, plan, args.reg)
        loss = rank + l2
        tl.sync(dev)
        e = time.perf_counter()
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
        tl.sync(dev)
        f = time.perf_counter()
        tc += b - a
        ts += d - c
        tl_ += (c - b) + (e - d)
        tst += f - e
    tl.sync(dev)
    t1 = time.perf_counter()
    return {"loss": total / len(batches), "train_s": t1 - t0, "sample_s": tc + ts, "cand_s": tc, "score_s": ts,
            "loss_s": tl_, "step_s": tst, "n_batches": len(batches)}


# ------------------------------------------------------------------------------------------------- evaluation
@torch.no_grad()
def evaluate(model, data, dims, ks=(10, 20, 50), test_batch=2048):
    """Metrics at full width (plain keys) and at every prefix d in dims (keys 'recall@20/d4' ...), each prefix
    ranked from scratch with the first d coordinates of the final embeddings."""
    model.eval()
    U, V = model.computer()
    full = U.shape[1]
    m = len(data.test_users)
    out = {}
    by_dim = {}
    for d in sorted(set(dims) | {full}):
        sums = {k: np.zeros(4) for k in ks}
        for users, top in tl.ranked_batches(U[:, :d], V[:, :d], data, max(ks), test_batch):
            rel = tl.hit_matrix(top, data, users)
            tlen = tl.test_lens(data, users)
            for k in ks:
                sums[k] += tl.metric_sums(rel, tlen, k)
        by_dim[d] = {}
        for k in ks:
            p, r, n, h = sums[k] / m
            by_dim[d].update({"recall@%d" % k: r, "ndcg@%d" % k: n, "precision@%d" % k: p, "hit@%d" % k: h})
    out.update(by_dim[full])
    for d in sorted(dims):
        out.update({key + "/d%d" % d: v for key, v in by_dim[d].items()})
    return out


# ------------------------------------------------------------------------------------------------------- main
def build(args):
    data = tl.Data.load(args.data)
    layers = args.layers if args.backbone == "lightgcn" else 0
    adj = data.norm_adj("coo") if layers > 0 else None
    return data, layers, adj


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--backbone", choices=["mf", "lightgcn"], default="mf")
    ap.add_argument("--layers", type=int, default=3, help="LightGCN propagation layers (backbone lightgcn)")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--levels", default="4,8,16,32,64")
    ap.add_argument("--level-weights", default=None, help="comma list, one per level (default uniform 1/K)")
    ap.add_argument("--negatives", choices=["mns", "shared", "dns"], default="mns")
    ap.add_argument("--candidates", type=int, default=8, help="N candidates per level (8 ml-100k, 16 Amazon)")
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--reg", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, default=None, help="train exactly N epochs (no early stopping)")
    ap.add_argument("--max-epochs", type=int, default=300)
    ap.add_argument("--eval-every", type=int, default=5)
    ap.add_argument("--patience", type=int, default=10, help="evaluations without improvement before stopping")
    ap.add_argument("--stop-key", default="recall@10")
    ap.add_argument("--topks", default="10,20,50")
    ap.add_argument("--test-batch", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--time-epochs", type=int, default=0, help="only train N epochs and print seconds per epoch")
    ap.add_argument("--json", action="store_true")
    tl.add_device_arg(ap)
    args = ap.parse_args(argv)
    dev = tl.setup_device(args.device, ap)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    emit = (lambda d: print(json.dumps(d), flush=True)) if args.json else (lambda d: print(d, flush=True))

    levels = [int(x) for x in args.levels.split(",")]
    weights = [float(x) for x in args.level_weights.split(",")] if args.level_weights else None
    plan = Plan(args.negatives, levels, weights, args.candidates, args.dim)
    ks = tuple(int(x) for x in args.topks.split(","))

    t0 = time.perf_counter()
    data, layers, adj = build(args)
    pairs = train_pairs(data)
    t1 = time.perf_counter()
    if adj is not None and dev.type != "cpu":
        adj = tl.adj_to(adj, dev)
    emit(dict({"setup": True, "data": args.data, "users": data.n_users, "items": data.n_items, "n_train": len(pairs[0]),
          "test_users": int(len(data.test_users)), "load_s": t1 - t0, "backbone": args.backbone, "layers": layers,
          "negatives": args.negatives, "candidates": args.candidates, "levels": levels,
          "weights": [w for _, w, _ in plan.levels], "batch": args.batch, "lr": args.lr, "reg": args.reg,
          "seed": args.seed, "threads": torch.get_num_threads(), "torch": torch.__version__,
          "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "load1": tl.load1()}, **tl.device_info(dev)))

    model = tl.LightGCN(data.n_users, data.n_items, args.dim, layers, adj, None, init="xavier")  # init on the CPU
    if dev.type != "cpu":
        model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    if args.time_epochs:
        secs = []
        for epoch in range(1, args.time_epochs + 1):
            rec = {"epoch": epoch, "load1": tl.load1()}
            rec.update(train_epoch(model, opt, data, pairs, plan, args, rng, dev))
            rec["load1_after"] = tl.load1()
            secs.append(rec["train_s"])
            emit(rec)
        emit({"time_epochs": args.time_epochs, "s_per_epoch": secs, "median_s": float(np.median(secs)),
              "load1": tl.load1(), "loadavg": list(os.getloadavg())})
        return

    fixed = args.epochs is not None
    last = args.epochs if fixed else args.max_epochs
    best, best_epoch, bad = None, 0, 0
    stopped = "epochs" if fixed else "max_epochs"
    epoch = 0
    for epoch in range(1, last + 1):
        rec = {"epoch": epoch, "load1": tl.load1()}
        rec.update(train_epoch(model, opt, data, pairs, plan, args, rng, dev))
        stop = False
        if args.eval_every and epoch % args.eval_every == 0:
            te = time.perf_counter()
            m = evaluate(model, data, levels, ks, args.test_batch)
            tl.sync(dev)
            rec["eval_s"] = time.perf_counter() - te
            rec.update(m)
            if best is None or m[args.stop_key] > best[args.stop_key]:
                best, best_epoch, bad = m, epoch, 0
            else:
                bad += 1
            rec.update({"best_epoch": best_epoch, "bad_evals": bad})
            if not fixed and bad >= args.patience:
                stop, stopped = True, "patience"
        emit(rec)
        if stop:
            break
    summary = {"summary": True, "epochs_run": epoch, "stopped": stopped, "best_epoch": best_epoch,
               "stop_key": args.stop_key, "load1": tl.load1()}
    if best is not None:
        summary.update(best)
    emit(summary)


if __name__ == "__main__":
    main()
