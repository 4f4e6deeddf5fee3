#include "embeddings.hpp"

#include <climits>

#include "convert.hpp"
#include "errors.hpp"
#include "graph.hpp"
#include "job.hpp"
#include "recforge/projection.hpp"

namespace rfaddon {

namespace {

class ProjectionJob : public Job {
 public:
  ProjectionJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:projection", info[4], info[5]),
        graph_(GraphWrap::unwrap(info[0], "graph")),
        dim_(int32Arg(info[1], "dim", 1, 4096)),
        seed_(int32Arg(info[2], "seed", 0, INT32_MAX)),
        threads_(int32Arg(info[3], "threads", 0, 4096)) {}

 protected:
  void Run(const rf::JobControl& ctl) override { out_ = rf::projectionEmbeddings(*graph_, dim_, seed_, threads_, ctl); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("users", toFloat32Array(env, std::move(out_.users)));
    o.Set("items", toFloat32Array(env, std::move(out_.items)));
    o.Set("dim", out_.dim);
    return o;
  }

 private:
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  int32_t dim_, seed_, threads_;
  rf::EmbeddingPair out_;
};

}  // namespace

void registerEmbeddingFunctions(Napi::Env env, Napi::Object exports) {
  exportJob<ProjectionJob>(env, exports, "projectionEmbeddings");
}

}  // namespace rfaddon
