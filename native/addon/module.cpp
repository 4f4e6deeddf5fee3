// Addon entry point: registers each wrapped class / function family. Add one line per family.
#include <napi.h>

#include "addon_state.hpp"
#include "cancel_token.hpp"
#include "embeddings.hpp"
#include "evaluate.hpp"
#include "graph.hpp"
#include "info.hpp"
#include "interact2vec.hpp"
#include "lightgcn.hpp"
#include "load_clean.hpp"
#include "load_parse.hpp"
#include "load_split.hpp"
#include "synthetic.hpp"

namespace rfaddon {

AddonState& addonState(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

}  // namespace rfaddon

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new rfaddon::AddonState());  // freed by node-addon-api at env teardown
  rfaddon::CancelToken::Register(env, exports);
  rfaddon::CsrWrap::Register(env, exports);
  rfaddon::GraphWrap::Register(env, exports);
  rfaddon::registerGraphFunctions(env, exports);
  rfaddon::registerInfoFunctions(env, exports);
  rfaddon::registerSyntheticFunctions(env, exports);
  rfaddon::registerParseFunctions(env, exports);
  rfaddon::registerCleanFunctions(env, exports);
  rfaddon::registerSplitFunctions(env, exports);
  rfaddon::registerEmbeddingFunctions(env, exports);
  rfaddon::registerEvaluateFunctions(env, exports);
  rfaddon::registerLightGcnFunctions(env, exports);
  rfaddon::registerInteract2VecFunctions(env, exports);
  return exports;
}

NODE_API_MODULE(recforge, Init)
