// The CUDA backend's host-only runtime layer: device discovery, typed errors for every CUDA
// failure, and an owning device buffer. No CUDA header is included here, so the core's tests,
// benchmarks and the addon can use the GPU backend with a plain C++ compiler.
//
// Errors: every CUDA runtime failure becomes rf::Error with code E_DEVICE_OOM (out of device
// memory: the allocation fails, the process and the device stay usable), E_NO_DEVICE (no GPU,
// driver older than the runtime, backend not compiled in) or E_DEVICE (anything else, with the
// CUDA error name and the call that failed in the message).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rf::cuda {

struct DeviceInfo {
  bool usable = false;    // a device can run this build's kernels
  std::string why;        // when not usable: the reason (no device, driver too old, ...)
  std::string name;       // e.g. "NVIDIA H100 80GB HBM3"
  int ordinal = 0;
  int major = 0, minor = 0;
  int multiprocessors = 0;
  size_t totalMemory = 0;  // bytes
  size_t l2Bytes = 0;
  int driverVersion = 0;   // e.g. 13000 for 13.0
  int runtimeVersion = 0;
};

// Never throws: reports why no device is usable instead.
DeviceInfo probe();
// Throws E_NO_DEVICE with probe().why when no device is usable; selects device 0.
void requireDevice();
// Waits for all queued device work; turns an asynchronous kernel fault into rf::Error.
void synchronize();
// Free and total device memory in bytes.
void memoryInfo(size_t& freeBytes, size_t& totalBytes);

// Raw allocation (E_DEVICE_OOM on failure, naming `what` and the size).
void* deviceAlloc(size_t bytes, const char* what);
void deviceFree(void* p) noexcept;
void copyToDevice(void* dst, const void* src, size_t bytes);
void copyToHost(void* dst, const void* src, size_t bytes);
void copyOnDevice(void* dst, const void* src, size_t bytes);
void fillZero(void* dst, size_t bytes);

// An owning, movable array of T in device memory.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n, const char* what = "buffer") { resize(n, what); }
  DeviceBuffer(const T* host, size_t n, const char* what = "buffer") { upload(host, n, what); }
  explicit DeviceBuffer(const std::vector<T>& host, const char* what = "buffer") { upload(host.data(), host.size(), what); }
  ~DeviceBuffer() { deviceFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      deviceFree(ptr_);
      ptr_ = o.ptr_, n_ = o.n_;
      o.ptr_ = nullptr, o.n_ = 0;
    }
    return *this;
  }

  // Reallocates when the size changes; contents are undefined afterwards.
  void resize(size_t n, const char* what = "buffer") {
    if (n == n_) return;
    deviceFree(ptr_);
    ptr_ = nullptr, n_ = 0;
    if (n) ptr_ = static_cast<T*>(deviceAlloc(n * sizeof(T), what));
    n_ = n;
  }
  void upload(const T* host, size_t n, const char* what = "buffer") {
    resize(n, what);
    if (n) copyToDevice(ptr_, host, n * sizeof(T));
  }
  void upload(const std::vector<T>& host, const char* what = "buffer") { upload(host.data(), host.size(), what); }
  void download(T* host) const {
    if (n_) copyToHost(host, ptr_, n_ * sizeof(T));
  }
  std::vector<T> toHost() const {
    std::vector<T> out(n_);
    download(out.data());
    return out;
  }
  void zero() {
    if (n_) fillZero(ptr_, n_ * sizeof(T));
  }

  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

// Wall time of device work between start() and stop() (CUDA events on the default stream).
class DeviceTimer {
 public:
  DeviceTimer();
  ~DeviceTimer();
  DeviceTimer(const DeviceTimer&) = delete;
  DeviceTimer& operator=(const DeviceTimer&) = delete;
  void start();
  // Seconds since start(); waits for the device.
  double stop();

 private:
  void* begin_ = nullptr;
  void* end_ = nullptr;
};

}  // namespace rf::cuda
