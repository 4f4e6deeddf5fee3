# Issue 8 diagnostic, independent of recforge's code: is the loss of shared item rows in MF-BPR top-K
# ranking (the "flooding" of bench/README.md, Issue 8) a matter of badly formed clusters? Trains
# MF-BPR in PyTorch (dim 64, Adam lr 5e-3, batch 2048, uniform train pairs, one uniform
# non-positive negative, L2 1e-4 on the batch rows, init N(0, 0.1^2): recforge's bench/cel.mjs
# setting) with the item table shared by a FIXED assignment: the full table, the frequency baseline,
# and two ORACLE clusterings that no memory-bound method could get: spherical k-means of the full
# model's trained item vectors (all items; or the 90% hot rows pinned and k-means on the tail).
# Run: /usr/bin/python3 bench/cel_oracle.py [--dataset DIR] [--ratio 10] [--epochs 20] [--seed 1]
#      [--out bench/results/cel-oracle-amazon-phone.json]
import argparse, json, time, numpy as np, torch
ap = argparse.ArgumentParser()
ap.add_argument('--dataset', default='../shared/datasets/amazon-phone')
ap.add_argument('--ratio', type=int, default=10); ap.add_argument('--epochs', type=int, default=20)
ap.add_argument('--seed', type=int, default=1); ap.add_argument('--out', default=None)
args = ap.parse_args()
torch.set_num_threads(1)
D = args.dataset.rstrip('/') + '/'
def load(f):
    us, its = [], []
    for line in open(D + f):
        p = line.split()
        if len(p) < 2: continue
        u = int(p[0]); us += [u] * (len(p) - 1); its += [int(x) for x in p[1:]]
    return np.array(us), np.array(its)
tu, ti = load('train.txt'); su, si = load('test.txt')
nU = max(tu.max(), su.max()) + 1; nI = max(ti.max(), si.max()) + 1
deg = np.bincount(ti, minlength=nI)
train_sets = [set() for _ in range(nU)]
for u, i in zip(tu, ti): train_sets[u].add(i)
test_of = {}
for u, i in zip(su, si): test_of.setdefault(u, []).append(i)
test_users = np.array(sorted(test_of))
mask_rows = np.repeat(np.arange(nU), [len(s) for s in train_sets]); mask_cols = np.concatenate([np.fromiter(s, int) for s in train_sets])

def evaluate(U, V, assign):
    # Recall@20 / NDCG@20 (full ranking, train items excluded), and the mean number of the 20 slots
    # taken by items whose row is shared with other items.
    size = np.bincount(assign); shared = size[assign] > 1
    rec = 0; nd = 0; flood = 0
    for b in range(0, len(test_users), 2048):
        us = test_users[b:b+2048]
        S = U[us] @ V.T
        sel = np.isin(mask_rows, us)
        pos = np.searchsorted(us, mask_rows[sel])
        S[pos, mask_cols[sel]] = -np.inf
        top = np.argpartition(-S, 20, axis=1)[:, :20]
        order = np.argsort(-np.take_along_axis(S, top, 1), axis=1); top = np.take_along_axis(top, order, 1)
        for r, u in enumerate(us):
            t = set(test_of[u]); hits = [1 if x in t else 0 for x in top[r]]
            rec += sum(hits) / len(t)
            dcg = sum(h / np.log2(k + 2) for k, h in enumerate(hits)); idcg = sum(1 / np.log2(k + 2) for k in range(min(len(t), 20)))
            nd += dcg / idcg
            flood += int(shared[top[r]].sum())
    n = len(test_users)
    return {'recall20': rec / n, 'ndcg20': nd / n, 'sharedSlots20': flood / n}

def train(assign, C, epochs=args.epochs, seed=args.seed):
    g = torch.Generator().manual_seed(seed)
    U = torch.nn.Parameter(torch.randn(nU, 64, generator=g) * 0.1); W = torch.nn.Parameter(torch.randn(C, 64, generator=g) * 0.1)
    a = torch.from_numpy(assign).long()
    opt = torch.optim.Adam([U, W], lr=5e-3)
    n = len(tu); r = np.random.default_rng(seed)
    for ep in range(epochs):
        perm = r.permutation(n)
        for b in range(0, n, 2048):
            idx = perm[b:b+2048]; us = tu[idx]; pi = ti[idx]
            neg = r.integers(0, nI, len(idx))
            for k in range(len(idx)):
                while neg[k] in train_sets[us[k]]: neg[k] = r.integers(0, nI)
            uu = U[torch.from_numpy(us)]; pp = W[a[torch.from_numpy(pi)]]; nn_ = W[a[torch.from_numpy(neg)]]
            x = (uu * pp).sum(1) - (uu * nn_).sum(1)
            loss = torch.nn.functional.softplus(-x).mean() + 1e-4 / 2 * (uu.pow(2).sum() + pp.pow(2).sum() + nn_.pow(2).sum()) / len(idx)
            opt.zero_grad(); loss.backward(); opt.step()
    return U.detach().numpy(), W.detach().numpy()[assign]

def kmeans(X, C, iters=20, seed=args.seed):
    r = np.random.default_rng(seed); Xn = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-9)
    cent = Xn[r.choice(len(X), C, replace=False)]
    for _ in range(iters):
        lab = np.argmax(Xn @ cent.T, 1)
        for c in range(C):
            m = lab == c
            cent[c] = Xn[m].mean(0) if m.any() else Xn[r.integers(len(X))]
        cent /= np.linalg.norm(cent, axis=1, keepdims=True) + 1e-9
    return lab

ratio = args.ratio
C = int(max(1, nI // ratio))
res = {}
def record(name, assign):
    t0 = time.time(); U, V = train(assign, int(assign.max()) + 1)
    res[name] = {**evaluate(U, V, assign), 'rows': int(assign.max()) + 1, 'seconds': time.time() - t0}
    print(name, res[name], flush=True)
    return V
Vf = record('full', np.arange(nI))
order = np.lexsort((np.arange(nI), -deg))  # most interacted first, ties to the lower id
freq = np.full(nI, C - 1); freq[order[:C - 1]] = np.arange(C - 1)
record('frequency', freq)
record('oracle-kmeans', kmeans(Vf, C))
hot = int(0.9 * C); ha = np.empty(nI, int); ha[order[:hot]] = np.arange(hot)
tail = order[hot:]; ha[tail] = hot + kmeans(Vf[tail], C - hot)
record('oracle-hot0.9-kmeans-tail', ha)
if args.out:
    json.dump({'command': 'python3 bench/cel_oracle.py --ratio %d --epochs %d --seed %d' % (ratio, args.epochs, args.seed),
               'dataset': args.dataset, 'users': int(nU), 'items': int(nI), 'clusters': C, 'results': res}, open(args.out, 'w'), indent=2)
