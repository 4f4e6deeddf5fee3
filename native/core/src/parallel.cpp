#include "recforge/parallel.hpp"

#include <cstdlib>

namespace rf {

int defaultThreads() {
  // RECFORGE_THREADS lets deployments cap the engine without touching code.
  if (const char* env = std::getenv("RECFORGE_THREADS")) {
    int v = std::atoi(env);
    if (v > 0) return v;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

}  // namespace rf
