#!/usr/bin/env bash
# One call on a lent GPU machine (the `device` tool): GPU parity tests, the LightGCN GPU benchmark,
# the PyTorch peer on the same GPU, the MRL4Rec (amazon-phone) and Interact2Vec (gowalla) GPU
# benchmarks, then, with PARITY=1 only, the gowalla LightGCN parity run in the time left (it was
# recorded: bench/results/cuda-h200/parity.jsonl).
#
# Expects, carried from the workstation (see scripts/gpu/prepare.sh):
#   .gpubin/   recforge_cuda_tests, bench_cuda_lightgcn, bench_cuda_mrl, bench_cuda_interact2vec
#              (static C++ runtime, built here with nvcc)
#   .gpudata/  gowalla/{train,test}.txt, amazon-phone/{train,test}.txt (research data: never committed)
# Falls back to building on the device when the carried binaries do not run there.
# Writes logs under $OUT; prints a short summary last. BUDGET_S (default 500) bounds the whole run.
# Env: PARITY=1 runs the long parity run at the end; TORCH=0 skips the PyTorch peer.
set -u
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
START=$(date +%s)
BUDGET_S=${BUDGET_S:-500}
left() { echo $((BUDGET_S - ($(date +%s) - START))); }
BIN=.gpubin
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv > "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"
if ! "$BIN/recforge_cuda_tests" cuda_probe > /dev/null 2>&1; then
  echo "carried binaries do not run here; building on the device"
  BIN=/tmp/rfbuild
  cmake -S . -B "$BIN" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRECFORGE_CUDA=ON > "$OUT/build.log" 2>&1 &&
    ninja -C "$BIN" recforge_cuda_tests bench_cuda_lightgcn bench_cuda_mrl bench_cuda_interact2vec >> "$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log"; exit 1; }
fi
echo "== parity tests"
timeout 150 "$BIN/recforge_cuda_tests" > "$OUT/cuda_tests.log" 2>&1
TESTS_RC=$?
grep -E "^(FAIL|skip)|passed" -A1 "$OUT/cuda_tests.log" | head -40
grep -E "recall@20" "$OUT/cuda_tests.log"
echo "== recforge GPU benchmark"
timeout 150 "$BIN/bench_cuda_lightgcn" .gpudata/gowalla/train.txt .gpudata/gowalla/test.txt --threads 16 > "$OUT/bench.log" 2>&1
cat "$OUT/bench.log"
if [ "${TORCH:-1}" != 0 ]; then
  echo "== PyTorch peer on the same GPU"
  export PYTHONUNBUFFERED=1
  timeout $(( $(left) > 200 ? 150 : 60 )) python3 bench/torch_lightgcn.py --data .gpudata/gowalla --device cuda --epochs 3 \
    --eval-every 1 --threads 16 --json --time-spmm > "$OUT/torch.log" 2>&1
  tail -5 "$OUT/torch.log"
fi
echo "== MRL4Rec GPU benchmark (amazon-phone, MF, levels 4..64, N 16, B 2048)"
timeout $(( $(left) > 150 ? 100 : 45 )) "$BIN/bench_cuda_mrl" .gpudata/amazon-phone/train.txt .gpudata/amazon-phone/test.txt \
  --threads 16 --epochs 5 > "$OUT/bench_mrl.log" 2>&1
echo "(rc $?)"
cat "$OUT/bench_mrl.log"
echo "== Interact2Vec GPU benchmark (gowalla train, batched SGNS)"
timeout $(( $(left) > 100 ? 60 : 30 )) "$BIN/bench_cuda_interact2vec" .gpudata/gowalla/train.txt .gpudata/gowalla/test.txt \
  --epochs 5 > "$OUT/bench_i2v.log" 2>&1
echo "(rc $?)"
cat "$OUT/bench_i2v.log"
if [ "$TESTS_RC" -ne 0 ]; then
  echo "parity tests failed (rc $TESTS_RC): no parity run"
  exit 0
fi
if [ "${PARITY:-0}" != 1 ]; then
  echo "== gowalla parity run skipped (PARITY=1 runs it; recorded in bench/results/cuda-h200/parity.jsonl)"
  exit 0
fi
T=$(( $(left) - 15 ))
echo "== gowalla parity run for ${T}s"
if [ "$T" -gt 30 ]; then
  timeout "$T" "$BIN/bench_cuda_lightgcn" .gpudata/gowalla/train.txt .gpudata/gowalla/test.txt --threads 16 \
    --epochs 1000 --eval-every 20 > "$OUT/parity.jsonl" 2> "$OUT/parity.err"
  grep recall "$OUT/parity.jsonl" | tail -3
  tail -1 "$OUT/parity.jsonl"
fi
