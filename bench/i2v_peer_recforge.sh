#!/bin/bash
# Issue 5 peer, recforge side: trains recforge's Adam path with the peer's settings, saves and exports the
# tables, and scores them with the peer's evaluator too (adds the cold-masked `_warm` metrics).
# Writes bench/results/interact2vec-keras-peer/recforge-a<alpha>-<order>-s<seed>.jsonl: the command, one
# line per evaluation, then {"peer_eval": ...} for the epoch-100 tables.
# Usage: bench/i2v_peer_recforge.sh ALPHA ORDER SEED [ALPHA ORDER SEED ...]   (ORDER: user | shuffled)
set -euo pipefail
D=../shared/datasets/ml-100k-mrl
OUT=bench/results/interact2vec-keras-peer
TMP=${TMPDIR:-/tmp}/i2v-peer-recforge
mkdir -p "$OUT" "$TMP"
while [ $# -ge 3 ]; do
  a=$1; o=$2; s=$3; shift 3
  n=recforge-a$a-$o-s$s
  cmd="node dist/cli/main.js train --model interact2vec --train $D/train.txt --test $D/test.txt --dim 96 --negatives 5 --alpha $a --epochs 100 --optimizer adam --adam-row-order $o --eval-every 10 --k 20 --threads 1 --seed $s --json --save $TMP/$n.safetensors"
  echo "{\"command\":\"$cmd\"}" > "$OUT/$n.jsonl"
  $cmd | grep recall >> "$OUT/$n.jsonl"
  node dist/cli/main.js export --model "$TMP/$n.safetensors" --out "$TMP/$n" --format npy > /dev/null
  echo "{\"peer_eval\":$(/usr/bin/python3 bench/i2v_peer_eval.py $D/train.txt $D/test.txt "$TMP/$n/users.npy" "$TMP/$n/items.npy")}" >> "$OUT/$n.jsonl"
  echo "$n: $(tail -1 "$OUT/$n.jsonl")"
done
