// Internal to the GPU evaluator: the kernel launchers its host driver (evaluate.cu) calls, one
// .cu file per job (scoring, masking + top-K selection, the finite check). Every launcher checks
// its launch (RF_CUDA_LAUNCHED); faults surface at the driver's next synchronous copy.
#pragma once
#include <cstdint>

namespace rf::cuda::evalk {

// Tile of the scoring kernel: users x items per block.
inline constexpr int kTileUsers = 128;
inline constexpr int kTileItems = 128;

// scores[r * ld + j] = sum_{p < width} U[rows[r] * ldU + p] * V[j * ldV + p] (one fmaf per term,
// p ascending), for r < nRows, j < nItems; a NaN sum is stored as -inf. The buffer must hold
// roundUp(nRows, kTileUsers) rows of ld floats, ld a multiple of kTileItems and >= nItems: whole
// tiles are stored, entries past nRows / nItems hold junk that nobody reads.
void launchScores(const float* U, int64_t ldU, const int32_t* rows, int32_t nRows, const float* V, int64_t ldV,
                  int32_t nItems, int32_t width, float* scores, int64_t ld);

// Marks masked items: scores[r * ld + i] = NaN for every i in row users[r] of either CSR (either
// may be null). After launchScores no other score is NaN, so NaN means "masked".
void launchMask(const int32_t* users, int32_t nRows, const int64_t* ptrA, const int32_t* idxA, const int64_t* ptrB,
                const int32_t* idxB, float* scores, int64_t ld);

// Scratch the selection needs per row: keys of nextPow2(k) entries, in shared memory when small
// enough, else in a global buffer of selectScratchRows(k, nRows) x selectKeysPerRow(k) uint64s.
int64_t selectKeysPerRow(int32_t k);
bool selectNeedsGlobalScratch(int32_t k);
int32_t selectScratchRows(int32_t k, int32_t nRows);

// For each row r < nRows of the scores: its best k unmasked items (score desc, item id asc, NaN =
// masked excluded), written best first to outItems[r * k ..] / outScores[r * k ..], padded with
// -1 / -inf. scratch: null when !selectNeedsGlobalScratch(k), else selectScratchRows x
// selectKeysPerRow uint64s.
void launchSelect(const float* scores, int64_t ld, int32_t nItems, int32_t nRows, int32_t k,
                  unsigned long long* scratch, int32_t* outItems, float* outScores);

// Index of the first non-finite value among x[0 .. n), or -1. Synchronous. `first` is a device
// word used as scratch.
int64_t firstNonFinite(const float* x, int64_t n, unsigned long long* first);

}  // namespace rf::cuda::evalk
