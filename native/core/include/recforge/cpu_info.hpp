// What the running CPU offers: the widest instruction set the target_clones kernels will use.
#pragma once

namespace rf {
// "avx512" (x86-64-v4), "avx2" (x86-64-v3), or "baseline".
const char* simdLevel();
}
