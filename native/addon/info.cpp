#include "info.hpp"

#include <sstream>

#include "errors.hpp"
#include "recforge/cpu_info.hpp"
#include "recforge/parallel.hpp"
#include "recforge/retrieval.hpp"

#ifdef RECFORGE_WITH_CUDA
#include "recforge/cuda/runtime.hpp"
#endif

namespace rfaddon {

namespace {

#ifdef RECFORGE_WITH_CUDA
// Probed once per process (the first CUDA runtime call loads the driver, which can take a while);
// the answer does not change while the process lives. Function-local static: thread-safe.
const rf::cuda::DeviceInfo& deviceInfo() {
  static const rf::cuda::DeviceInfo info = rf::cuda::probe();
  return info;
}
#endif

Napi::Object cudaInfo(Napi::Env e) {
  Napi::Object cuda = Napi::Object::New(e);
#ifdef RECFORGE_WITH_CUDA
  const rf::cuda::DeviceInfo& d = deviceInfo();
  cuda.Set("compiled", true);
  cuda.Set("available", d.usable);
  if (d.usable) {
    std::ostringstream os;
    os << d.name << " (compute capability " << d.major << "." << d.minor << ", " << d.multiprocessors
       << " multiprocessors, " << (d.totalMemory >> 20) << " MiB)";
    cuda.Set("reason", os.str());
    cuda.Set("device", d.name);
  } else {
    cuda.Set("reason", d.why.empty() ? std::string("no usable CUDA device") : d.why);
  }
  cuda.Set("driverVersion", d.driverVersion);
  cuda.Set("runtimeVersion", d.runtimeVersion);
#else
  // The shipped CPU addon contains no CUDA kernels; the CUDA variant (recforge_cuda.node) does.
  cuda.Set("compiled", false);
  cuda.Set("available", false);
  cuda.Set("reason", "this build of the addon was compiled without CUDA support");
#endif
  return cuda;
}

}  // namespace

void registerInfoFunctions(Napi::Env env, Napi::Object exports) {
  // buildInfo() -> { simd, threads, cuda: { compiled, available, reason, device?, driverVersion?, runtimeVersion? } }
  exports.Set("buildInfo", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                Napi::Env e = info.Env();
                Napi::Object o = Napi::Object::New(e);
                o.Set("simd", rf::simdLevel());
                o.Set("threads", rf::defaultThreads());
                o.Set("cuda", cudaInfo(e));
                return o;
              }));
  // servingScan(route?) -> the route setting after the call: which certified scan recommendSync's
  // full-width queries use ('auto' | 'float' | 'bf16' | 'int8'; see rf::ServingScan). Every route
  // returns the same exact results; this is for same-process A/B benchmarks. Process-wide.
  exports.Set("servingScan", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                static const char* const kNames[] = {"auto", "float", "bf16", "int8"};
                Napi::Env e = info.Env();
                if (info.Length() > 0 && !info[0].IsUndefined()) {
                  const std::string want = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
                  int r = -1;
                  for (int j = 0; j < 4; ++j)
                    if (want == kNames[j]) r = j;
                  if (r < 0) throwError(e, rf::code::kInvalidArgument, "servingScan: route must be 'auto', 'float', 'bf16' or 'int8'");
                  rf::setServingScan(static_cast<rf::ServingScan>(r));
                }
                Napi::Object o = Napi::Object::New(e);
                o.Set("route", kNames[static_cast<int>(rf::servingScan())]);
                o.Set("int8Supported", rf::quantScanSupported());
                return o;
              }));
}

}  // namespace rfaddon
