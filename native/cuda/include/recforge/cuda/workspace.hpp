// Reusable device scratch shared by the MRL4Rec / Interact2Vec kernels (host-only header). The
// buffers grow on demand and are kept between calls; one workspace serves one host thread at a
// time.
#pragma once
#include <cstdint>

#include "recforge/cuda/runtime.hpp"

namespace rf::cuda {

// Grows `b` to at least n elements (contents undefined after a growth); never shrinks.
template <class T>
void ensureSize(DeviceBuffer<T>& b, size_t n, const char* what) {
  if (b.size() < n) b.resize(n, what);
}

// Scratch of a stable grouping of entries by key (cub radix sort of (key, entry index) pairs).
struct KeyGroups {
  DeviceBuffer<uint32_t> keys, sortedKeys;
  DeviceBuffer<int32_t> order, sortedOrder;
  DeviceBuffer<unsigned char> temp;
};

// Device-side id validation: one flag word, read back once per checked call.
struct IdCheck {
  DeviceBuffer<uint32_t> flag;
};

}  // namespace rf::cuda
