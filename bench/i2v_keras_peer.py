#!/usr/bin/python3
"""An independent peer of the Interact2Vec authors' Keras recipe (Interact2VecKeras; ALGORITHMS.md B 2.1 / 2.4),
written from that description in torch (CPU, float32), to check recforge's `--optimizer adam` path (issue 5).

What one run does:
  * tables U [users, d] and V [items, d], init Uniform(-0.05, 0.05); --init same draws one stream and gives both
    tables its first rows (Keras RandomUniform with the same seed on both tables: for stateless TF initializers
    U_u = V_u for u < min(users, items)); --init independent draws two streams;
  * score sigmoid(U_u . V_j); each epoch the rows are, user by user (ascending id): the user's distinct train items
    (ascending id) with label 1, then K negatives per positive with label 0, drawn prop. to count^alpha and redrawn
    when equal to that positive (other items of the user are allowed); --neg-table cum (the authors' table:
    round(cumsum(w) / sum(w) * N) with a uniform integer in [1, N] looked up by searchsorted) or exact;
    negatives are redrawn each epoch; --order user (the generator's stream, which Keras fit does not shuffle)
    or shuffled (a fresh permutation of the rows each epoch);
  * steps of --batch consecutive rows (the last one shorter); loss = mean BCE over the step's rows +
    l2 * (|U|^2 + |V|^2) over the whole tables, so every row gets the dense gradient 2 * l2 * W;
    --bce exact (from logits) or clipped (Keras' probability path: p clipped to [1e-7, 1 - 1e-7], zero gradient
    outside, log(p + 1e-7));
  * Keras Adam on every row every step (m and v decay for untouched rows too):
    p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps), lr 0.025, b1 0.9, b2 0.999, eps 1e-7.
Evaluation (bench/i2v_peer_eval.py): full ranking, train items excluded, Recall/NDCG@20 every --eval-every
epochs, with all items and with cold items (absent from train) masked.

Output: JSON lines (a config line, one line per evaluation) on stdout or --out; --save DIR writes the final
tables as DIR/users.npy, DIR/items.npy (for recforge's Evaluator, bench/i2v_peer_crosscheck.mjs).

  /usr/bin/python3 bench/i2v_keras_peer.py --train ../shared/datasets/ml-100k-mrl/train.txt \
      --test ../shared/datasets/ml-100k-mrl/test.txt --alpha -1 --order user --seed 2020
100 epochs on ml-100k-mrl (80,217 interactions, 481 k rows per epoch) take ~25 s on 1 thread (load 6-7).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from i2v_peer_eval import Data, evaluate  # noqa: E402


class Negatives:
    """Draws items prop. to count^alpha; items without train interactions are never drawn (also for alpha < 0)."""

    def __init__(self, count, alpha, table):
        with np.errstate(divide='ignore'):
            w = np.where(count > 0, np.power(count.astype(np.float64), alpha), 0.0)
        self.table = table
        if table == 'cum':
            self.cum = np.round(np.cumsum(w) / w.sum() * count.sum())
            self.top = int(self.cum[-1])
        else:
            self.cum = np.cumsum(w) / w.sum()

    def draw(self, rng, n):
        if self.table == 'cum':
            return np.searchsorted(self.cum, rng.integers(1, self.top + 1, size=n))
        # side='right' so an item of weight 0 (equal cumulative values) is never hit.
        return np.minimum(np.searchsorted(self.cum, rng.random(n), side='right'), len(self.cum) - 1)

    def draw_except(self, rng, positives):
        out = self.draw(rng, len(positives))
        bad = np.flatnonzero(out == positives)
        while len(bad):  # redraw only the collisions, as the authors' loop does
            out[bad] = self.draw(rng, len(bad))
            bad = bad[out[bad] == positives[bad]]
        return out


def epoch_rows(data, neg, K, rng, order):
    """(user, item, label) arrays of one epoch in the generator's order (or shuffled)."""
    n = len(data.items)
    ptr = data.indptr[data.users]          # first interaction of each interaction's user
    n_u = np.diff(data.indptr)[data.users]  # that user's interaction count
    q = np.arange(n)
    pos_at = K * ptr + q                    # (1+K)*ptr + (q - ptr)
    neg_first = (1 + K) * ptr + n_u + (q - ptr) * K
    rows = n * (1 + K)
    user = np.empty(rows, np.int64)
    item = np.empty(rows, np.int64)
    label = np.zeros(rows, np.float32)
    user[pos_at] = data.users
    item[pos_at] = data.items
    label[pos_at] = 1
    neg_at = (neg_first[:, None] + np.arange(K)).ravel()
    user[neg_at] = np.repeat(data.users, K)
    item[neg_at] = neg.draw_except(rng, np.repeat(data.items, K))
    if order == 'shuffled':
        p = rng.permutation(rows)
        user, item, label = user[p], item[p], label[p]
    return user, item, label


class KerasAdam:
    def __init__(self, shape, lr, b1=0.9, b2=0.999, eps=1e-7):
        self.m, self.v = torch.zeros(shape), torch.zeros(shape)
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps

    def step(self, p, g, t):
        self.m.mul_(self.b1).add_(g, alpha=1 - self.b1)
        self.v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
        lr_t = self.lr * np.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)
        p.addcdiv_(self.m, self.v.sqrt().add_(self.eps), value=-lr_t)


def bce_coef(s, y, mode):
    """d(mean BCE)/ds times the batch size, and the summed BCE, for scores s and labels y."""
    if mode == 'exact':
        return torch.sigmoid(s) - y, torch.nn.functional.binary_cross_entropy_with_logits(s, y, reduction='sum')
    e = 1e-7
    p = torch.sigmoid(s)
    pc = p.clamp(e, 1 - e)
    loss = -(y * torch.log(pc + e) + (1 - y) * torch.log(1 - pc + e)).sum()
    dl_dp = -y / (pc + e) + (1 - y) / (1 - pc + e)
    inside = ((p >= e) & (p <= 1 - e)).float()  # clip_by_value passes the gradient only inside its range
    return dl_dp * inside * p * (1 - p), loss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', required=True)
    ap.add_argument('--dim', type=int, default=96)
    ap.add_argument('--negatives', type=int, default=5)
    ap.add_argument('--alpha', type=float, default=-1.0)
    ap.add_argument('--epochs', type=int, default=100)
    ap.add_argument('--batch', type=int, default=8192)
    ap.add_argument('--lr', type=float, default=0.025)
    ap.add_argument('--l2', type=float, default=1e-6)
    ap.add_argument('--order', choices=['user', 'shuffled'], default='user')
    ap.add_argument('--init', choices=['same', 'independent'], default='independent')
    ap.add_argument('--bce', choices=['exact', 'clipped'], default='exact')
    ap.add_argument('--neg-table', choices=['cum', 'exact'], default='cum')
    ap.add_argument('--seed', type=int, default=2020)
    ap.add_argument('--eval-every', type=int, default=10)
    ap.add_argument('--k', type=int, default=20)
    # 1 thread: on this shared 2-vCPU box torch's second thread made each op 5-30x slower (spinning on a busy core).
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out')
    ap.add_argument('--save')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = open(a.out, 'w') if a.out else sys.stdout

    def emit(obj):
        out.write(json.dumps(obj) + '\n')
        out.flush()

    data = Data(a.train, a.test)
    rng = np.random.default_rng(a.seed)
    d = a.dim
    if a.init == 'same':
        stream = rng.uniform(-0.05, 0.05, size=max(data.n_users, data.n_items) * d).astype(np.float32)
        U0, V0 = stream[:data.n_users * d], stream[:data.n_items * d]
    else:
        U0 = rng.uniform(-0.05, 0.05, size=data.n_users * d).astype(np.float32)
        V0 = rng.uniform(-0.05, 0.05, size=data.n_items * d).astype(np.float32)
    U = torch.from_numpy(U0.reshape(data.n_users, d).copy())
    V = torch.from_numpy(V0.reshape(data.n_items, d).copy())
    optU, optV = KerasAdam(U.shape, a.lr), KerasAdam(V.shape, a.lr)
    neg = Negatives(data.count, a.alpha, a.neg_table)
    emit({'config': {k: v for k, v in vars(a).items() if k not in ('out', 'save')},
          'users': data.n_users, 'items': data.n_items, 'interactions': int(len(data.items)),
          'command': ' '.join(['/usr/bin/python3'] + sys.argv)})
    t = 0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        user, item, label = (torch.from_numpy(x) for x in epoch_rows(data, neg, a.negatives, rng, a.order))
        loss_sum, batches = 0.0, 0
        for r0 in range(0, len(user), a.batch):
            bu, bi, y = user[r0:r0 + a.batch], item[r0:r0 + a.batch], label[r0:r0 + a.batch]
            Ub, Vb = U.index_select(0, bu), V.index_select(0, bi)  # both gradients from the tables before this step
            coef, loss = bce_coef((Ub * Vb).sum(1), y, a.bce)
            coef = (coef / len(bu)).unsqueeze(1)
            gU = torch.zeros_like(U).index_add_(0, bu, coef * Vb)
            gV = torch.zeros_like(V).index_add_(0, bi, coef * Ub)
            if a.l2 > 0:
                gU.add_(U, alpha=2 * a.l2)
                gV.add_(V, alpha=2 * a.l2)
            t += 1
            optU.step(U, gU, t)
            optV.step(V, gV, t)
            loss_sum += float(loss) / len(bu)
            batches += 1
        # loss as recforge reports it: mean of the steps' BCE + the L2 term of the tables at the epoch's end.
        reg = a.l2 * float((U.double() ** 2).sum() + (V.double() ** 2).sum())
        rec = {'epoch': epoch, 'loss': loss_sum / batches + reg, 'bce': loss_sum / batches, 'reg': reg,
               'train_s': round(time.perf_counter() - t0, 3)}
        if a.eval_every and (epoch % a.eval_every == 0 or epoch == a.epochs):
            rec.update(evaluate(data, U.numpy(), V.numpy(), a.k))
            emit(rec)
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        np.save(os.path.join(a.save, 'users.npy'), U.numpy())
        np.save(os.path.join(a.save, 'items.npy'), V.numpy())


if __name__ == '__main__':
    main()
