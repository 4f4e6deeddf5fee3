#!/usr/bin/python3
"""Data loading and full-ranking evaluation for bench/i2v_keras_peer.py, written apart from recforge.

Reads LightGCN-format files (`user item item ...`, 0-based ids, CRLF tolerated). The id space is the
largest id over train and test + 1 (what recforge's loadDataset does), so the peer's tables line up
row for row with recforge's.

Metrics follow recforge's definitions (lib/evaluator.ts), which match the authors' protocol (ALGORITHMS.md
B 2.5): users with >= 1 test item, every item scored by U_u . V_j, the user's train items never
recommended, ties ranked by the lower item id, top K;
  recall = hits / |T_u|,  NDCG = sum_{r<=K, hit} 1/log2(r+1) / sum_{r<=min(K,|T_u|)} 1/log2(r+1),
means over users. cold_share@K = share of the top-K slots (all items ranked) taken by cold items. `warm` variants also mask the items absent from train: the authors' catalog holds
train items only (their item table has no row for a cold item), so this is their ranking.

Run alone to score saved tables:  /usr/bin/python3 bench/i2v_peer_eval.py TRAIN TEST users.npy items.npy
"""
import sys

import numpy as np


def read_lists(path):
    """{user: [items in file order]} from a `user item item ...` file."""
    out = {}
    with open(path, 'rb') as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            out.setdefault(int(parts[0]), []).extend(int(x) for x in parts[1:])
    return out


class Data:
    def __init__(self, train_path, test_path):
        train, test = read_lists(train_path), read_lists(test_path)
        ids_u = list(train) + list(test)
        ids_i = [i for d in (train, test) for l in d.values() for i in l]
        self.n_users = max(ids_u) + 1
        self.n_items = max(ids_i) + 1
        # Per user the distinct train items in ascending id: the authors read rows of a CSR matrix.
        self.train = [np.array(sorted(set(train.get(u, []))), dtype=np.int64) for u in range(self.n_users)]
        self.test = [np.array(sorted(set(test.get(u, []))), dtype=np.int64) for u in range(self.n_users)]
        self.indptr = np.zeros(self.n_users + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum([len(t) for t in self.train])
        self.items = np.concatenate(self.train)
        self.users = np.repeat(np.arange(self.n_users), np.diff(self.indptr))
        self.count = np.bincount(self.items, minlength=self.n_items)


def evaluate(data, U, V, k=20):
    """{'recall@k', 'ndcg@k', 'cold_share@k', 'recall@k_warm', 'ndcg@k_warm'} for float32 tables U [users, d], V [items, d]."""
    S = (np.asarray(U, dtype=np.float32) @ np.asarray(V, dtype=np.float32).T).astype(np.float32)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    res = {}
    for tag, cold_masked in (('', False), ('_warm', True)):
        S2 = S.copy()
        S2[data.users, data.items] = -np.inf
        if cold_masked:
            S2[:, data.count == 0] = -np.inf
        # Stable sort on -score: equal scores keep ascending item id (recforge's tie rule).
        top = np.argsort(-S2, axis=1, kind='stable')[:, :k]
        rec, nd = [], []
        for u in range(data.n_users):
            t = data.test[u]
            if len(t) == 0:
                continue
            hit = np.isin(top[u], t)
            rec.append(hit.sum() / len(t))
            nd.append((hit * disc).sum() / disc[:min(k, len(t))].sum())
        res[f'recall@{k}{tag}'] = float(np.mean(rec))
        res[f'ndcg@{k}{tag}'] = float(np.mean(nd))
        if not cold_masked:  # how much of the lists the untrained (cold) item rows take
            res[f'cold_share@{k}'] = float((data.count[top] == 0).mean())
    return res


if __name__ == '__main__':
    import json
    d = Data(sys.argv[1], sys.argv[2])
    print(json.dumps(evaluate(d, np.load(sys.argv[3]), np.load(sys.argv[4]))))
