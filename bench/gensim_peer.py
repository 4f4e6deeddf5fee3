#!/usr/bin/python3
"""gensim peer for the Interact2Vec speed comparison (issue 5, point 5). Uses Debian's python3-gensim (4.2).

Reads a LightGCN-format file (`user item item ...`, CRLF tolerated; the reader is bench/torch_lightgcn.py's
read_lists) and trains one of two gensim models over the users' item lists:

  dbow:     Doc2Vec PV-DBOW (dm=0, dbow_words=0): one document per user, tagged with the user id (a plain int, so
            the doc vector of user u is dv.vectors[u]), its words are the user's items. Each (user, item) pair
            trains the user's doc vector against the item's output row (syn1neg) with K negatives: the same work as
            one Interact2Vec interaction. window is unused in pure PV-DBOW. NOTE: with dbow_words=0 the input word
            vectors (wv) are never trained; the item side of the model is syn1neg, so --save exports syn1neg rows.
  skipgram: Word2Vec skip-gram item2vec (sg=1): one sentence per user, the user's items. item2vec treats the whole
            list as the context of every item, so window = the longest list (any window >= longest - 1 gives the
            same pairs) and shrink_windows=False (gensim otherwise draws a random smaller window per center word).
            Pairs trained per epoch = sum over users of n_u (n_u - 1): quadratic in history length.

Both: negative=K, hs=0, vector_size=d, min_count=1, sample=0 (no subsampling), workers=T, alpha 0.025 -> min_alpha
0.0001 (gensim defaults, linear decay), ns_exponent 0.75 (gensim default) unless --ns-exponent.

Prints one JSON object: epoch seconds (from epoch-begin/end callbacks), train-call seconds, vocabulary-build
seconds, interactions and pairs per epoch and per second, gensim's word2vec_inner.FAST_VERSION (>= 0: its optimized C routines are
in use; gensim 4 has no pure-Python fallback and fails to import without them) and the module of the training routine
(gensim.models.doc2vec_inner / word2vec_inner, the compiled ones).

With --save DIR: DIR/users.npy [n_users, d] and DIR/items.npy [n_items, d] float32 (rows of ids absent from the
train lists are zero) for scoring with recforge's Evaluator: dbow = doc vectors and syn1neg rows; skipgram = item
word vectors, user = mean of the vectors of the user's train items.

  /usr/bin/python3 bench/gensim_peer.py --train ../shared/datasets/gowalla/train.txt --model dbow --epochs 5
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_lightgcn import read_lists  # noqa: E402  (the shared LightGCN-format reader; imports torch)

import gensim  # noqa: E402
from gensim.models import Doc2Vec, Word2Vec, doc2vec, word2vec_inner  # noqa: E402
from gensim.models.callbacks import CallbackAny2Vec  # noqa: E402
from gensim.models.doc2vec import TaggedDocument  # noqa: E402


class EpochClock(CallbackAny2Vec):
    def __init__(self):
        self.seconds = []
        self._t0 = None

    def on_epoch_begin(self, model):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, model):
        self.seconds.append(time.perf_counter() - self._t0)


def skipgram_pairs(lens, window):
    """(center, context) pairs per epoch with a fixed window (shrink_windows=False), no subsampling."""
    total = 0
    for n in lens:
        n = int(n)
        if n < 2:
            continue
        i = np.arange(n)
        total += int((np.minimum(n - 1, i + window) - np.maximum(0, i - window)).sum())
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', required=True)
    ap.add_argument('--model', choices=['dbow', 'skipgram'], required=True)
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--dim', type=int, default=64)
    ap.add_argument('--negatives', type=int, default=5)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--ns-exponent', type=float, default=0.75)
    ap.add_argument('--window', type=int, default=0, help='skipgram window (default 0 = longest list)')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--users', type=int, default=0, help='rows of users.npy (default: max user id + 1)')
    ap.add_argument('--items', type=int, default=0, help='rows of items.npy (default: max item id + 1)')
    ap.add_argument('--save', default='')
    a = ap.parse_args()

    lists = read_lists(a.train)
    users = sorted(lists)
    lens = np.array([len(lists[u]) for u in users], dtype=np.int64)
    interactions = int(lens.sum())
    n_users = max(a.users, users[-1] + 1)
    n_items = max(a.items, max((int(v.max()) + 1 for v in lists.values() if len(v)), default=0))
    words = {u: [str(int(i)) for i in lists[u]] for u in users}

    common = dict(vector_size=a.dim, negative=a.negatives, hs=0, min_count=1, sample=0, workers=a.workers,
                  ns_exponent=a.ns_exponent, alpha=0.025, min_alpha=0.0001, seed=a.seed)
    t0 = time.perf_counter()
    if a.model == 'dbow':
        corpus = [TaggedDocument(words[u], [int(u)]) for u in users]
        model = Doc2Vec(dm=0, dbow_words=0, **common)
        window = None
        pairs = interactions
    else:
        corpus = [words[u] for u in users]
        window = a.window or int(lens.max())
        model = Word2Vec(sg=1, window=window, shrink_windows=False, **common)
        pairs = skipgram_pairs(lens, window)
    model.build_vocab(corpus)
    vocab_s = time.perf_counter() - t0

    clock = EpochClock()
    t0 = time.perf_counter()
    model.train(corpus, total_examples=len(corpus), epochs=a.epochs, callbacks=[clock])
    train_s = time.perf_counter() - t0

    med = float(np.median(clock.seconds))
    out = {
        'peer': 'gensim', 'gensim': gensim.__version__, 'model': a.model,
        # word2vec_inner.FAST_VERSION: 0 = BLAS sdot returns double, 1 = float, 2 = no BLAS (own loops), -1 = no C.
        'fast_version': int(word2vec_inner.FAST_VERSION),
        'optimized_c': bool(word2vec_inner.FAST_VERSION >= 0),
        'train_routine': (doc2vec.train_document_dbow if a.model == 'dbow' else word2vec_inner.train_batch_sg).__module__,
        'dim': a.dim, 'negatives': a.negatives, 'workers': a.workers, 'epochs': a.epochs, 'ns_exponent': a.ns_exponent,
        'window': window, 'users': len(users), 'interactions': interactions, 'pairs_per_epoch': pairs,
        'vocab_s': vocab_s, 'train_s': train_s, 'epoch_s': clock.seconds, 'median_epoch_s': med,
        'interactions_per_s': interactions / med, 'pairs_per_s': pairs / med,
        'load1': os.getloadavg()[0],
    }
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        U = np.zeros((n_users, a.dim), np.float32)
        V = np.zeros((n_items, a.dim), np.float32)
        if a.model == 'dbow':
            U[:len(model.dv.vectors)] = model.dv.vectors[:n_users]
            for key, row in model.wv.key_to_index.items():
                V[int(key)] = model.syn1neg[row]
        else:
            for key, row in model.wv.key_to_index.items():
                V[int(key)] = model.wv.vectors[row]
            for u in users:
                if len(lists[u]):
                    U[u] = V[lists[u]].mean(axis=0)
        np.save(os.path.join(a.save, 'users.npy'), U)
        np.save(os.path.join(a.save, 'items.npy'), V)
        out['saved'] = a.save
    print(json.dumps(out))


if __name__ == '__main__':
    main()
