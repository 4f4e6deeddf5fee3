#!/usr/bin/env bash
# Issue 3 accuracy parity: LightGCN K=3 on the LightGCN Gowalla split with the official PyTorch
# port's settings (stratified per-user sampler, init N(0, 0.1^2), d 64, lr 1e-3, reg 1e-4, B 2048),
# evaluated on test every 20 epochs, stopping after 5 evaluations without a new best Recall@20
# (best-on-test, the paper protocol). Resumes from its checkpoint when one exists, so it can be
# started again after a killed process or a new session:
#   [GOWALLA_DIR=...] [MODEL=mf] bash bench/parity/gowalla-lightgcn.sh [run-dir]   (default: ../runs/gowalla-lgcn3)
# MODEL=mf records MF-BPR (the K = 0 case) with the same settings.
# Run it from a separate checkout (the running addon must not be rebuilt under it). The JSON log
# (one object per epoch) goes to run-dir/log.jsonl; copy it to bench/results/ when done.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$repo/../runs/gowalla-lgcn3}
G=${GOWALLA_DIR:-$repo/../shared/datasets/gowalla}  # set GOWALLA_DIR from a checkout elsewhere
mkdir -p "$dir"
resume=()
[ -f "$dir/checkpoint.safetensors" ] && resume=(--resume "$dir/checkpoint.safetensors")
model=${MODEL:-lightgcn}
layers=3
[ "$model" = mf ] && layers=0
exec node "$repo/dist/cli/main.js" train --model "$model" --train "$G/train.txt" --test "$G/test.txt" \
  --epochs 1000 --eval-every 20 --patience 5 --sampler stratified --init-std 0.1 --lr 0.001 --reg 0.0001 \
  --batch 2048 --dim 64 --layers $layers --seed 2020 --k 20 --threads 2 --json \
  --checkpoint "$dir/checkpoint.safetensors" --checkpoint-every 5 --save "$dir/model.safetensors" "${resume[@]}" \
  >> "$dir/log.jsonl" 2>> "$dir/stderr.log"
