#!/usr/bin/env bash
# GPU check of the CUDA addon (recforge_cuda.node) through the JS API: test/cuda-e2e.mjs trains
# LightGCN and MF for 2 epochs on device 'cpu' and 'cuda' from the same seed and compares them,
# resumes a GPU checkpoint, and checks what the GPU trainer refuses.
#
# Workstation (no GPU needed):  scripts/gpu/addon-check.sh --prepare
#   builds dist/ and build-cuda-addon/Release/recforge_cuda.node, and packs this Node binary into
#   build-gpu/node.xz for a GPU machine without Node (all three are git-ignored).
# GPU machine (the device tool), carrying dist, build-cuda-addon/Release, build-gpu:
#   scripts/gpu/addon-check.sh      (writes $OUT/addon-check.json and $OUT/addon-check.log)
set -u
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--prepare" ]; then
  set -e
  npx tsc -p tsconfig.json
  node scripts/build-cuda-addon.mjs
  mkdir -p build-gpu
  xz -T0 -6 -c "$(command -v node)" > build-gpu/node.xz
  du -sh dist build-cuda-addon/Release/recforge_cuda.node build-gpu/node.xz
  exit 0
fi
OUT=${OUT:-/tmp/addon-check}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$OUT/gpu.txt"
NODE=$(command -v node || true)
if [ -z "$NODE" ]; then
  xz -dc build-gpu/node.xz > /tmp/node && chmod +x /tmp/node && NODE=/tmp/node
fi
"$NODE" --version
ADDON=build-cuda-addon/Release/recforge_cuda.node
ldd "$ADDON" | grep -i "not found"
RECFORGE_ADDON_PATH="$ADDON" timeout 300 "$NODE" test/cuda-e2e.mjs > "$OUT/addon-check.log" 2>&1
echo "cuda-e2e exit $?"
tail -1 "$OUT/addon-check.log" > "$OUT/addon-check.json"
tail -c 4000 "$OUT/addon-check.log"
