// Device-side id validation (id_check.cu): checks run on the device and set one bit per checked
// array in a flag word, read back once, so bad ids become E_OUT_OF_RANGE before any kernel
// indexes memory with them.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "recforge/cuda/workspace.hpp"

namespace rf::cuda::detail {

struct IdRange {
  const int32_t* ids;  // device
  int64_t count;
  int64_t lo, hi;      // valid: lo <= id < hi
  const char* what;    // names the array in the error message
};

// Validates every range (at most 32) with one kernel each and one 4-byte read-back; throws
// E_OUT_OF_RANGE naming the offending arrays.
void requireIdsInRange(std::initializer_list<IdRange> ranges, IdCheck& check);

}  // namespace rf::cuda::detail
