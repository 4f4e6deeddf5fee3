// Device discovery, error mapping, allocation and copies (runtime.hpp).
#include <cuda_runtime.h>

#include <sstream>

#include "check.cuh"
#include "recforge/cuda/runtime.hpp"

namespace rf::cuda {

namespace {
const char* codeFor(cudaError_t s) {
  switch (s) {
    case cudaErrorMemoryAllocation:
      return code::kDeviceMemory;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
      return code::kNoDevice;
    default:
      return code::kDevice;
  }
}
}  // namespace

void throwCudaError(cudaError_t status, const char* call, const char* file, int line) {
  // Clear the sticky "last error" of non-fatal failures (an OOM must not poison later calls).
  (void)cudaGetLastError();
  std::ostringstream os;
  os << "CUDA " << cudaGetErrorName(status) << " (" << cudaGetErrorString(status) << ") in " << call << " at "
     << file << ":" << line;
  fail(codeFor(status), os.str());
}

DeviceInfo probe() {
  DeviceInfo info;
  cudaRuntimeGetVersion(&info.runtimeVersion);
  cudaDriverGetVersion(&info.driverVersion);
  int count = 0;
  cudaError_t s = cudaGetDeviceCount(&count);
  if (s != cudaSuccess) {
    (void)cudaGetLastError();
    std::ostringstream os;
    os << "no usable CUDA device: " << cudaGetErrorString(s);
    if (info.driverVersion == 0)  // libcuda could not be opened: no NVIDIA driver on this machine
      os << " (no NVIDIA driver found; the CUDA runtime is " << info.runtimeVersion / 1000 << "."
         << (info.runtimeVersion % 1000) / 10 << ")";
    else
      os << " (driver supports CUDA " << info.driverVersion / 1000 << "." << (info.driverVersion % 1000) / 10
         << ", runtime is " << info.runtimeVersion / 1000 << "." << (info.runtimeVersion % 1000) / 10 << ")";
    info.why = os.str();
    return info;
  }
  if (count == 0) {
    info.why = "no CUDA device found";
    return info;
  }
  cudaDeviceProp p{};
  s = cudaGetDeviceProperties(&p, 0);
  if (s != cudaSuccess) {
    (void)cudaGetLastError();
    info.why = std::string("cannot read device 0: ") + cudaGetErrorString(s);
    return info;
  }
  info.name = p.name;
  info.major = p.major, info.minor = p.minor;
  info.multiprocessors = p.multiProcessorCount;
  info.totalMemory = p.totalGlobalMem;
  info.l2Bytes = static_cast<size_t>(p.l2CacheSize);
  if (p.major < 7 || (p.major == 7 && p.minor < 5)) {
    std::ostringstream os;
    os << info.name << " has compute capability " << p.major << "." << p.minor << "; this build needs 7.5 or newer";
    info.why = os.str();
    return info;
  }
  info.usable = true;
  return info;
}

void requireDevice() {
  static thread_local bool selected = false;
  if (selected) return;
  DeviceInfo info = probe();
  if (!info.usable) fail(code::kNoDevice, info.why);
  RF_CUDA_CHECK(cudaSetDevice(0));
  selected = true;
}

void synchronize() { RF_CUDA_CHECK(cudaDeviceSynchronize()); }

void memoryInfo(size_t& freeBytes, size_t& totalBytes) { RF_CUDA_CHECK(cudaMemGetInfo(&freeBytes, &totalBytes)); }

void* deviceAlloc(size_t bytes, const char* what) {
  requireDevice();
  void* p = nullptr;
  cudaError_t s = cudaMalloc(&p, bytes);
  if (s != cudaSuccess) {
    (void)cudaGetLastError();
    size_t freeB = 0, totalB = 0;
    cudaMemGetInfo(&freeB, &totalB);
    std::ostringstream os;
    os << "cannot allocate " << bytes << " bytes of GPU memory for " << what << ": " << cudaGetErrorString(s) << " ("
       << freeB << " of " << totalB << " bytes free)";
    fail(s == cudaErrorMemoryAllocation ? code::kDeviceMemory : codeFor(s), os.str());
  }
  return p;
}

void deviceFree(void* p) noexcept {
  if (p) cudaFree(p);
}

void copyToDevice(void* dst, const void* src, size_t bytes) {
  RF_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}
void copyToHost(void* dst, const void* src, size_t bytes) {
  RF_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}
void copyOnDevice(void* dst, const void* src, size_t bytes) {
  RF_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
}
void fillZero(void* dst, size_t bytes) { RF_CUDA_CHECK(cudaMemset(dst, 0, bytes)); }

DeviceTimer::DeviceTimer() {
  requireDevice();
  cudaEvent_t a, b;
  RF_CUDA_CHECK(cudaEventCreate(&a));
  RF_CUDA_CHECK(cudaEventCreate(&b));
  begin_ = a, end_ = b;
}
DeviceTimer::~DeviceTimer() {
  cudaEventDestroy(static_cast<cudaEvent_t>(begin_));
  cudaEventDestroy(static_cast<cudaEvent_t>(end_));
}
void DeviceTimer::start() { RF_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(begin_))); }
double DeviceTimer::stop() {
  RF_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(end_)));
  RF_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(end_)));
  float ms = 0;
  RF_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(begin_), static_cast<cudaEvent_t>(end_)));
  return ms / 1000.0;
}

}  // namespace rf::cuda
