#!/usr/bin/env bash
# Issue 4 accuracy: the MRL4Rec authors' protocol (MF backbone, d 64, levels 4..64, Adam 1e-3,
# batch 2048 dropping the last partial batch, lambda 1e-4, Xavier-uniform init, evaluate on test
# every 5 epochs, keep the best test Recall@10, patience 10 evaluations, max 300 epochs) for
# each negative mode (mns = MRL4Rec, shared = "MRL w/o MNS", dns = plain BPR-DNS), on
#   ml-100k-mrl (N = 8, seeds 2022 2023 2024) and amazon-phone (N = 16, seed 2022; MNS also 2023 2024).
# One JSON log per run: run-dir/<dataset>-<mode>-seed<S>.jsonl, and a .done marker when it ended
# (early stop or epoch 300); finished runs are skipped, so the script can be rerun after a kill.
#   [DATA=../shared/datasets] [THREADS=1] bash bench/parity/mrl-accuracy.sh [run-dir]
# Summarize with: node bench/mrl_summary.mjs run-dir
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$repo/../runs/mrl-accuracy}
data=${DATA:-$repo/../shared/datasets}
mkdir -p "$dir"
run() {  # dataset candidates mode seed
  local log="$dir/$1-$3-seed$4.jsonl"
  [ -f "$log.done" ] && return
  node "$repo/dist/cli/main.js" train --model mrl --train "$data/$1/train.txt" --test "$data/$1/test.txt" \
    --candidates "$2" --negatives "$3" --seed "$4" --epochs 300 --eval-every 5 --k 10,20 --patience 10 \
    --threads "${THREADS:-1}" --json > "$log" && touch "$log.done"
}
for mode in mns shared dns; do
  for seed in 2022 2023 2024; do run ml-100k-mrl 8 "$mode" "$seed"; done
done
for mode in mns shared dns; do run amazon-phone 16 "$mode" 2022; done
for seed in 2023 2024; do run amazon-phone 16 mns "$seed"; done
