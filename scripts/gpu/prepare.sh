#!/usr/bin/env bash
# Workstation side of scripts/gpu/device-check.sh: builds the GPU test and bench executables with
# the local nvcc (sm_90 + compute_75 PTX, static C++ runtime) into .gpubin/ and copies the datasets
# into .gpudata/ (both git-ignored through .git/info/exclude), for the device tool's `carry`.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.gpubin/' .git/info/exclude 2>/dev/null || echo '/.gpubin/' >> .git/info/exclude
grep -qx '/.gpudata/' .git/info/exclude 2>/dev/null || echo '/.gpudata/' >> .git/info/exclude
cmake -S . -B build-cuda -DCMAKE_BUILD_TYPE=Release -DRECFORGE_CUDA=ON > /dev/null
cmake --build build-cuda --target recforge_cuda_tests bench_cuda_lightgcn bench_cuda_mrl bench_cuda_interact2vec -j"$(nproc)"
mkdir -p .gpubin .gpudata/gowalla
cp build-cuda/recforge_cuda_tests build-cuda/bench_cuda_lightgcn build-cuda/bench_cuda_mrl build-cuda/bench_cuda_interact2vec .gpubin/
SHARED=${SHARED:-../shared/datasets}
cp "$SHARED/gowalla/train.txt" "$SHARED/gowalla/test.txt" .gpudata/gowalla/
mkdir -p .gpudata/amazon-phone
cp "$SHARED/amazon-phone/train.txt" "$SHARED/amazon-phone/test.txt" .gpudata/amazon-phone/
du -sh .gpubin .gpudata
