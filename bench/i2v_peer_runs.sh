#!/bin/bash
# Issue 5 peer matrix: runs bench/i2v_keras_peer.py one setting at a time (never two heavy jobs at once on
# the shared 2-vCPU box) and writes bench/results/interact2vec-keras-peer/peer-<name>.jsonl; the first line of
# each file holds the exact command.  Usage: bench/i2v_peer_runs.sh NAME "PEER FLAGS" [NAME "FLAGS" ...]
set -euo pipefail
D=../shared/datasets/ml-100k-mrl
OUT=bench/results/interact2vec-keras-peer
mkdir -p "$OUT"
while [ $# -ge 2 ]; do
  name=$1; flags=$2; shift 2
  # shellcheck disable=SC2086  # flags are meant to split
  /usr/bin/python3 bench/i2v_keras_peer.py --train $D/train.txt --test $D/test.txt $flags --out "$OUT/peer-$name.jsonl"
  tail -1 "$OUT/peer-$name.jsonl" | cut -c1-220
done
