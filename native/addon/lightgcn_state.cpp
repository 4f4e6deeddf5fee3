// Checkpoint jobs of NativeLightGcn: export and import of everything a training run needs to
// continue bit-for-bit (the layer-0 table, the Adam moments and the step count; the sampler is
// seeded by (seed, epoch), so it needs no state).
#include <cmath>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "job.hpp"
#include "lightgcn.hpp"

namespace rfaddon {

namespace {

class ExportStateJob : public Job {
 public:
  ExportStateJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:exportState", info[0], info[1]), lease_(env, std::move(s), "export the state") {}

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    ego_ = lease_->model.ego;  // current for a GPU run too (see LightGcnState)
#ifdef RECFORGE_WITH_CUDA
    if (lease_->gpuTrainer) {
      if (lease_->gpuAdam) lease_->gpuTrainer->downloadMoments(m_, v_);
      steps_ = lease_->gpuTrainer->stepsDone();
    }
#endif
    if (lease_->trainer) {
      m_ = lease_->trainer->adamFirstMoment();
      v_ = lease_->trainer->adamSecondMoment();
      steps_ = lease_->trainer->stepsDone();
    }
    if (lease_->celTrainer) steps_ = lease_->celTrainer->stepsDone();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("ego", toFloat32Array(env, std::move(ego_)));
    if (!m_.empty()) {
      o.Set("m", toFloat32Array(env, std::move(m_)));
      o.Set("v", toFloat32Array(env, std::move(v_)));
    }
    o.Set("steps", static_cast<double>(steps_));
    return o;
  }

 private:
  BusyLease lease_;
  std::vector<float> ego_, m_, v_;
  int64_t steps_ = 0;
};

// Validated on the main thread: the sizes must match the model, and moments need a trainer that
// keeps them (Adam kinds); values must be finite so a damaged checkpoint cannot poison training.
class ImportStateJob : public Job {
 public:
  ImportStateJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:importState", info[1], info[2]), lease_(env, std::move(s), "import a state") {
    if (lease_->cel)
      throwError(env, rf::code::kInvalidArgument,
                 "a model with clustered embedding tables restores through importClusters (checkpoints of clustered runs are not supported yet)");
    Napi::Object o = optionsArg(info[0]);
    ego_ = float32Vector(o.Get("ego"), "state.ego");
    const size_t size = lease_->model.ego.size();
    if (ego_.size() != size)
      throwError(env, rf::code::kShape,
                 "state.ego has " + std::to_string(ego_.size()) + " values but the model needs " + std::to_string(size));
    const bool hasMoments = !o.Get("m").IsUndefined() || !o.Get("v").IsUndefined();
    if (hasMoments) {
      m_ = float32Vector(o.Get("m"), "state.m");
      v_ = float32Vector(o.Get("v"), "state.v");
      bool keepsMoments = lease_->trainer && !lease_->trainer->adamFirstMoment().empty();
#ifdef RECFORGE_WITH_CUDA
      keepsMoments = keepsMoments || (lease_->gpuTrainer && lease_->gpuAdam);
#endif
      if (!keepsMoments)
        throwError(env, rf::code::kInvalidArgument, "state has Adam moments but the model has no Adam trainer configured");
      if (m_.size() != size || v_.size() != size) throwError(env, rf::code::kShape, "state.m / state.v do not match the model size");
    }
    const double steps = o.Get("steps").IsUndefined() ? 0 : numberArg(o.Get("steps"), "state.steps");
    if (!(steps >= 0 && steps <= 9007199254740991.0) || std::floor(steps) != steps)
      throwError(env, rf::code::kInvalidArgument, "state.steps must be a non-negative integer");
    steps_ = static_cast<int64_t>(steps);
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    for (const auto* t : {&ego_, &m_, &v_})
      for (float x : *t)
        if (!std::isfinite(x)) rf::fail(rf::code::kNonFinite, "state holds NaN or Inf values");
    lease_->model.ego.swap(ego_);
#ifdef RECFORGE_WITH_CUDA
    if (lease_->gpuTrainer) {
      lease_->gpuTrainer->uploadModel();
      if (!m_.empty()) lease_->gpuTrainer->uploadMoments(m_, v_);
      lease_->gpuTrainer->setStepsDone(steps_);
      rf::cuda::synchronize();  // before another worker thread's stream uses the uploads
    }
#endif
    if (lease_->trainer) {
      if (!m_.empty()) {
        lease_->trainer->adamFirstMoment().swap(m_);
        lease_->trainer->adamSecondMoment().swap(v_);
      }
      lease_->trainer->setStepsDone(steps_);
    }
  }
  Napi::Value Result(Napi::Env env) override {
    lease_->packed.reset();
    lease_->itemLayerSum.reset();
    lease_->final.reset();  // main thread only (see LightGcnState::final); the cached table is stale
    return env.Undefined();
  }

 private:
  BusyLease lease_;
  std::vector<float> ego_, m_, v_;
  int64_t steps_ = 0;
};

}  // namespace

Napi::Value startExportState(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<ExportStateJob>(env, std::move(s), info);
}
Napi::Value startImportState(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<ImportStateJob>(env, std::move(s), info);
}

}  // namespace rfaddon
