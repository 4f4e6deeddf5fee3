// Turns CUDA runtime status codes into rf::Error (see runtime.hpp for the code mapping).
#pragma once
#include <cuda_runtime.h>

#include "recforge/error.hpp"

namespace rf::cuda {

[[noreturn]] void throwCudaError(cudaError_t status, const char* call, const char* file, int line);

inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) throwCudaError(status, call, file, line);
}

}  // namespace rf::cuda

#define RF_CUDA_CHECK(expr) ::rf::cuda::check((expr), #expr, __FILE__, __LINE__)
// After a kernel launch: launch-configuration errors surface here, faults at the next sync.
#define RF_CUDA_LAUNCHED(name) ::rf::cuda::check(cudaGetLastError(), name, __FILE__, __LINE__)
