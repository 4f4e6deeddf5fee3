#!/usr/bin/python3
"""Table of bench/results/interact2vec-keras-peer/{peer,recforge}-*.jsonl (issue 5 peer): epoch-100 Recall/NDCG@20 with all
items ranked and with cold items masked (`warm`), and the mean over the evaluations at epochs 50-100 (the
user-order runs jump between evaluations). Writes summary.json next to the logs and prints markdown rows.
  /usr/bin/python3 bench/i2v_peer_summary.py"""
import glob
import json
import os
import re

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'interact2vec-keras-peer')
rows = {}
for f in sorted(glob.glob(os.path.join(DIR, 'peer-*.jsonl')) + glob.glob(os.path.join(DIR, 'recforge-*.jsonl'))):
    name = os.path.basename(f)[:-6]
    lines = [json.loads(l) for l in open(f)]
    evals = [l for l in lines if 'epoch' in l]
    final = evals[-1]
    peer_eval = next((l['peer_eval'] for l in lines if 'peer_eval' in l), final)
    late = [l for l in evals if l['epoch'] >= 50]
    rows[name] = {
        'recall': final['recall@20'], 'ndcg': final['ndcg@20'],
        'recall_warm': peer_eval['recall@20_warm'], 'ndcg_warm': peer_eval['ndcg@20_warm'],
        'recall_50_100': sum(l['recall@20'] for l in late) / len(late), 'loss': final['loss'],
        'recall_warm_50_100': (sum(l['recall@20_warm'] for l in late) / len(late)) if 'recall@20_warm' in final else None,
        'command': lines[0].get('command') or lines[0].get('config', {}).get('command'),
    }
json.dump(rows, open(os.path.join(DIR, 'summary.json'), 'w'), indent=1)

groups = {}
for name, r in rows.items():
    groups.setdefault(re.sub(r'-s20\d\d$', '', name), []).append(r)
print('| run | seeds | Recall@20 all (each) | mean | NDCG@20 mean | Recall@20 warm (each) | mean | NDCG@20 warm mean | recall all / warm, mean of epochs 50-100 |')
print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
mean = lambda xs: sum(xs) / len(xs)
for g, rs in groups.items():
    w50 = [r['recall_warm_50_100'] for r in rs if r['recall_warm_50_100'] is not None]
    print(f"| {g} | {len(rs)} | {' / '.join('%.4f' % r['recall'] for r in rs)} | {mean([r['recall'] for r in rs]):.4f} | "
          f"{mean([r['ndcg'] for r in rs]):.4f} | {' / '.join('%.4f' % r['recall_warm'] for r in rs)} | "
          f"{mean([r['recall_warm'] for r in rs]):.4f} | {mean([r['ndcg_warm'] for r in rs]):.4f} | "
          f"{mean([r['recall_50_100'] for r in rs]):.4f} / {('%.4f' % mean(w50)) if w50 else '-'} |")
