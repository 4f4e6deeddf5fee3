// Wrapped native sparse structures: Csr (user -> items, used for masks and ground truth) and
// Graph (both directions plus LightGCN normalization). Jobs hold them through shared_ptr, so
// dispose() while a job runs only drops the wrapper's reference: memory lives until the job ends.
#pragma once
#include <napi.h>

#include <memory>

#include "recforge/csr.hpp"

namespace rfaddon {

class CsrWrap : public Napi::ObjectWrap<CsrWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit CsrWrap(const Napi::CallbackInfo& info);
  static Napi::Object wrap(Napi::Env env, std::shared_ptr<const rf::Csr> csr);
  // The held matrix; E_TYPE if `v` is not a Csr, E_DISPOSED after dispose().
  static std::shared_ptr<const rf::Csr> unwrap(const Napi::Value& v, const char* name);

 private:
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Cols(const Napi::CallbackInfo& info);
  Napi::Value Nnz(const Napi::CallbackInfo& info);
  Napi::Value Export(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  const rf::Csr& get(Napi::Env env) const;
  std::shared_ptr<const rf::Csr> csr_;
};

class GraphWrap : public Napi::ObjectWrap<GraphWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit GraphWrap(const Napi::CallbackInfo& info);
  static Napi::Object wrap(Napi::Env env, std::shared_ptr<const rf::BipartiteGraph> g);
  static std::shared_ptr<const rf::BipartiteGraph> unwrap(const Napi::Value& v, const char* name);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Export(const Napi::CallbackInfo& info);
  Napi::Value UserItems(const Napi::CallbackInfo& info);
  Napi::Value Degrees(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  const rf::BipartiteGraph& get(Napi::Env env) const;
  std::shared_ptr<const rf::BipartiteGraph> graph_;
};

void registerGraphFunctions(Napi::Env env, Napi::Object exports);

}  // namespace rfaddon
