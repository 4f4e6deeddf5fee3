#include "info.hpp"

#include "recforge/cpu_info.hpp"
#include "recforge/parallel.hpp"

namespace rfaddon {

void registerInfoFunctions(Napi::Env env, Napi::Object exports) {
  // buildInfo() -> { version, simd, threads, cuda: { compiled, reason } }
  exports.Set("buildInfo", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                Napi::Env e = info.Env();
                Napi::Object o = Napi::Object::New(e);
                o.Set("simd", rf::simdLevel());
                o.Set("threads", rf::defaultThreads());
                Napi::Object cuda = Napi::Object::New(e);
                // The shipped CPU addon never contains CUDA kernels; a CUDA build overrides this.
                cuda.Set("compiled", false);
                cuda.Set("reason", "this build of the addon was compiled without CUDA support");
                o.Set("cuda", cuda);
                return o;
              }));
}

}  // namespace rfaddon
