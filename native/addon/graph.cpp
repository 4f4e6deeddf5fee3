#include "graph.hpp"

#include <climits>

#include "addon_state.hpp"
#include "convert.hpp"
#include "errors.hpp"
#include "job.hpp"

namespace rfaddon {

namespace {

// JS exposes offsets as Int32Array; a matrix with 2^31 or more entries cannot be exported.
std::vector<int32_t> indptr32(Napi::Env env, const std::vector<int64_t>& p) {
  if (!p.empty() && p.back() > INT32_MAX) throwError(env, rf::code::kOutOfRange, "matrix too large to export offsets as Int32Array");
  return std::vector<int32_t>(p.begin(), p.end());
}

Napi::Object exportCsr(Napi::Env env, const rf::Csr& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", a.rows);
  o.Set("cols", a.cols);
  o.Set("indptr", toInt32Array(env, indptr32(env, a.indptr)));
  o.Set("indices", toInt32Array(env, std::vector<int32_t>(a.indices)));
  return o;
}

// Edges (users, items, nUsers, nItems) parsed from JS; shared by both build jobs.
struct EdgeArgs {
  std::vector<int32_t> users, items;
  int32_t nUsers, nItems;
  EdgeArgs(const Napi::Value& u, const Napi::Value& i, const Napi::Value& m, const Napi::Value& n)
      : users(int32Vector(u, "users")),
        items(int32Vector(i, "items")),
        nUsers(int32Arg(m, "nUsers", -1, INT32_MAX)),
        nItems(int32Arg(n, "nItems", -1, INT32_MAX)) {
    if (users.size() != items.size())
      throwError(u.Env(), rf::code::kShape,
                 "users and items must have the same length (" + std::to_string(users.size()) + " vs " +
                     std::to_string(items.size()) + ")");
  }
  // Counts of -1 are inferred as max id + 1 (after rejecting negative ids); runs on the worker.
  rf::EdgeView view() {
    if (nUsers < 0) nUsers = inferCount(users, "users");
    if (nItems < 0) nItems = inferCount(items, "items");
    return {users.data(), items.data(), static_cast<int64_t>(users.size()), nUsers, nItems};
  }
  static int32_t inferCount(const std::vector<int32_t>& ids, const char* what) {
    int32_t mx = -1;
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0)
        rf::fail(rf::code::kOutOfRange, std::string(what) + ": id " + std::to_string(ids[k]) + " at index " + std::to_string(k) + " is negative");
      if (ids[k] > mx) mx = ids[k];
    }
    if (mx == INT32_MAX) rf::fail(rf::code::kOutOfRange, std::string(what) + ": id 2147483647 is too large");
    return mx + 1;
  }
};

class BuildCsrJob : public Job {
 public:
  BuildCsrJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:buildCsr", info[4], info[5]), edges_(info[0], info[1], info[2], info[3]) {}

 protected:
  void Run(const rf::JobControl& ctl) override {
    rf::EdgeView e = edges_.view();
    rf::validateEdges(e, "edges");
    ctl.checkCancelled();
    result_ = std::make_shared<rf::Csr>(rf::buildCsr(e.users, e.items, e.size, e.nUsers, e.nItems));
  }
  Napi::Value Result(Napi::Env env) override { return CsrWrap::wrap(env, std::move(result_)); }

 private:
  EdgeArgs edges_;
  std::shared_ptr<const rf::Csr> result_;
};

class BuildGraphJob : public Job {
 public:
  BuildGraphJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:buildGraph", info[4], info[5]), edges_(info[0], info[1], info[2], info[3]) {}

 protected:
  void Run(const rf::JobControl& ctl) override {
    result_ = std::make_shared<rf::BipartiteGraph>(rf::buildGraph(edges_.view(), ctl));
  }
  Napi::Value Result(Napi::Env env) override { return GraphWrap::wrap(env, std::move(result_)); }

 private:
  EdgeArgs edges_;
  std::shared_ptr<const rf::BipartiteGraph> result_;
};

}  // namespace

// ---- CsrWrap ----

void CsrWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "NativeCsr",
                                    {InstanceAccessor<&CsrWrap::Rows>("rows"), InstanceAccessor<&CsrWrap::Cols>("cols"),
                                     InstanceAccessor<&CsrWrap::Nnz>("nnz"), InstanceMethod<&CsrWrap::Export>("export"),
                                     InstanceMethod<&CsrWrap::Dispose>("dispose")});
  addonState(env).csrCtor = Napi::Persistent(ctor);
  exports.Set("NativeCsr", ctor);
}

CsrWrap::CsrWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CsrWrap>(info) {}

Napi::Object CsrWrap::wrap(Napi::Env env, std::shared_ptr<const rf::Csr> csr) {
  Napi::Object o = addonState(env).csrCtor.New({});
  Unwrap(o)->csr_ = std::move(csr);
  return o;
}

std::shared_ptr<const rf::Csr> CsrWrap::unwrap(const Napi::Value& v, const char* name) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addonState(env).csrCtor.Value()))
    throwError(env, rf::code::kType, std::string(name) + " must be a NativeCsr");
  CsrWrap* w = Unwrap(v.As<Napi::Object>());
  if (!w->csr_) throwError(env, rf::code::kDisposed, std::string(name) + " was disposed");
  return w->csr_;
}

const rf::Csr& CsrWrap::get(Napi::Env env) const {
  if (!csr_) throwError(env, rf::code::kDisposed, "NativeCsr was disposed");
  return *csr_;
}

Napi::Value CsrWrap::Rows(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), get(info.Env()).rows); }
Napi::Value CsrWrap::Cols(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), get(info.Env()).cols); }
Napi::Value CsrWrap::Nnz(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(get(info.Env()).nnz()));
}
Napi::Value CsrWrap::Export(const Napi::CallbackInfo& info) { return exportCsr(info.Env(), get(info.Env())); }
Napi::Value CsrWrap::Dispose(const Napi::CallbackInfo& info) {
  csr_.reset();
  return info.Env().Undefined();
}

// ---- GraphWrap ----

void GraphWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "NativeGraph",
                                    {InstanceMethod<&GraphWrap::Info>("info"), InstanceMethod<&GraphWrap::Export>("export"),
                                     InstanceMethod<&GraphWrap::UserItems>("userItems"),
                                     InstanceMethod<&GraphWrap::Degrees>("degrees"),
                                     InstanceMethod<&GraphWrap::Dispose>("dispose")});
  addonState(env).graphCtor = Napi::Persistent(ctor);
  exports.Set("NativeGraph", ctor);
}

GraphWrap::GraphWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GraphWrap>(info) {}

Napi::Object GraphWrap::wrap(Napi::Env env, std::shared_ptr<const rf::BipartiteGraph> g) {
  Napi::Object o = addonState(env).graphCtor.New({});
  Unwrap(o)->graph_ = std::move(g);
  return o;
}

std::shared_ptr<const rf::BipartiteGraph> GraphWrap::unwrap(const Napi::Value& v, const char* name) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addonState(env).graphCtor.Value()))
    throwError(env, rf::code::kType, std::string(name) + " must be a NativeGraph");
  GraphWrap* w = Unwrap(v.As<Napi::Object>());
  if (!w->graph_) throwError(env, rf::code::kDisposed, std::string(name) + " was disposed");
  return w->graph_;
}

const rf::BipartiteGraph& GraphWrap::get(Napi::Env env) const {
  if (!graph_) throwError(env, rf::code::kDisposed, "NativeGraph was disposed");
  return *graph_;
}

Napi::Value GraphWrap::Info(const Napi::CallbackInfo& info) {
  const rf::BipartiteGraph& g = get(info.Env());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("nUsers", g.nUsers());
  o.Set("nItems", g.nItems());
  o.Set("nnz", static_cast<double>(g.nnz()));
  return o;
}

Napi::Value GraphWrap::Export(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rf::BipartiteGraph& g = get(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("userItems", exportCsr(env, g.userItems));
  o.Set("itemUsers", exportCsr(env, g.itemUsers));
  o.Set("userNorm", toFloat32Array(env, std::vector<float>(g.userNorm)));
  o.Set("itemNorm", toFloat32Array(env, std::vector<float>(g.itemNorm)));
  return o;
}

// The user -> items matrix as a NativeCsr sharing the graph's memory (aliasing shared_ptr).
Napi::Value GraphWrap::UserItems(const Napi::CallbackInfo& info) {
  get(info.Env());
  return CsrWrap::wrap(info.Env(), std::shared_ptr<const rf::Csr>(graph_, &graph_->userItems));
}

Napi::Value GraphWrap::Degrees(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rf::BipartiteGraph& g = get(env);
  const std::string side = stringArg(info[0], "side");
  if (side != "users" && side != "items") throwError(env, rf::code::kInvalidArgument, "side must be 'users' or 'items'");
  const rf::Csr& a = side == "users" ? g.userItems : g.itemUsers;
  std::vector<int32_t> deg(a.rows);
  for (int32_t r = 0; r < a.rows; ++r) deg[r] = a.degree(r);
  return toInt32Array(env, std::move(deg));
}

Napi::Value GraphWrap::Dispose(const Napi::CallbackInfo& info) {
  graph_.reset();
  return info.Env().Undefined();
}

// ---- module functions ----

void registerGraphFunctions(Napi::Env env, Napi::Object exports) {
  // buildCsr(users, items, nUsers, nItems, cancel?, progress?) -> Promise<NativeCsr>
  exportJob<BuildCsrJob>(env, exports, "buildCsr");
  // buildGraph(users, items, nUsers, nItems, cancel?, progress?) -> Promise<NativeGraph>
  exportJob<BuildGraphJob>(env, exports, "buildGraph");
}

}  // namespace rfaddon
