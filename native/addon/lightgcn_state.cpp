// Checkpoint jobs of NativeLightGcn: export and import of everything a training run needs to
// continue bit-for-bit (the layer-0 table, the Adam moments and the step count; the sampler is
// seeded by (seed, epoch), so it needs no state).
//
// A model with clustered embedding tables (CEL) adds `cel`:
//   { counters: {splits, splitRounds, moves, reassignRounds},
//     users: Side, items: Side }
//   Side = { assign: Int32Array, centers: Float32Array, residual?, bias?,   (the table)
//            m?, v?, mr?, vr?, mb?, vb?, window? }                          (rf::CelSideState)
// and no top-level m / v (the moments live on the cluster rows). Its `ego` is exported for
// symmetry and ignored on import: the layer-0 table is the gathered view of the tables. Importing
// trainer parts (moments, window, non-zero steps or counters) needs a configured run
// (configureTraining) whose sizes they match; everything is checked before anything changes.
#include <array>
#include <cmath>
#include <optional>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "job.hpp"
#include "lightgcn.hpp"

namespace rfaddon {

namespace {

const char* const kCelParts[] = {"m", "v", "mr", "vr", "mb", "vb", "window"};

std::vector<float>* celPart(rf::CelSideState& s, int q) {
  std::vector<float>* p[] = {&s.m, &s.v, &s.mr, &s.vr, &s.mb, &s.vb, &s.window};
  return p[q];
}

// The CEL part of an exported state.
struct CelExport {
  std::array<rf::ClusteredTable, 2> tables;
  rf::CelTrainerState trainer;
};

Napi::Object celObject(Napi::Env env, CelExport&& c) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Object k = Napi::Object::New(env);
  k.Set("splits", static_cast<double>(c.trainer.counters.splits));
  k.Set("splitRounds", static_cast<double>(c.trainer.counters.splitRounds));
  k.Set("moves", static_cast<double>(c.trainer.counters.moves));
  k.Set("reassignRounds", static_cast<double>(c.trainer.counters.reassignRounds));
  o.Set("counters", k);
  for (int s = 0; s < 2; ++s) {
    rf::ClusteredTable& t = c.tables[s];
    Napi::Object side = Napi::Object::New(env);
    side.Set("assign", toInt32Array(env, std::move(t.assign)));
    side.Set("centers", toFloat32Array(env, std::move(t.centers)));
    if (!t.residual.empty()) side.Set("residual", toFloat32Array(env, std::move(t.residual)));
    if (!t.bias.empty()) side.Set("bias", toFloat32Array(env, std::move(t.bias)));
    for (int q = 0; q < 7; ++q) {
      std::vector<float>* part = celPart(c.trainer.sides[s], q);
      if (!part->empty()) side.Set(kCelParts[q], toFloat32Array(env, std::move(*part)));
    }
    o.Set(s == 0 ? "users" : "items", side);
  }
  return o;
}

double countField(Napi::Env env, const Napi::Object& o, const char* key) {
  const double x = o.Get(key).IsUndefined() ? 0 : numberArg(o.Get(key), key);
  if (!(x >= 0 && x <= 9007199254740991.0) || std::floor(x) != x)
    throwError(env, rf::code::kInvalidArgument, std::string("state.cel.counters.") + key + " must be a non-negative integer");
  return x;
}

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
    if (lease_->cel) {
      cel_.emplace();
      cel_->tables = lease_->cel->table;
      if (lease_->celTrainer) cel_->trainer = lease_->celTrainer->state();
      steps_ = cel_->trainer.steps;
    }
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("ego", toFloat32Array(env, std::move(ego_)));
    if (!m_.empty()) {
      o.Set("m", toFloat32Array(env, std::move(m_)));
      o.Set("v", toFloat32Array(env, std::move(v_)));
    }
    o.Set("steps", static_cast<double>(steps_));
    if (cel_) o.Set("cel", celObject(env, std::move(*cel_)));
    return o;
  }

 private:
  BusyLease lease_;
  std::vector<float> ego_, m_, v_;
  int64_t steps_ = 0;
  std::optional<CelExport> cel_;
};

// Validated on the main thread: the sizes must match the model, and moments need a trainer that
// keeps them (Adam kinds); values must be finite so a damaged checkpoint cannot poison training.
class ImportStateJob : public Job {
 public:
  ImportStateJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:importState", info[1], info[2]), lease_(env, std::move(s), "import a state") {
    Napi::Object o = optionsArg(info[0]);
    if (lease_->cel) {
      parseCel(env, o);
      return;
    }
    if (!o.Get("cel").IsUndefined())
      throwError(env, rf::code::kShape, "state has clustered embedding tables but the model has plain ones");
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
    if (cel_) return runCel();
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
    lease_->rank.reset();
    lease_->itemLayerSum.reset();
    lease_->final.reset();  // main thread only (see LightGcnState::final); the cached table is stale
    return env.Undefined();
  }

 private:
  // state.cel: the tables (a copy of the model's CelModel with the arrays replaced, so pinned
  // rows and seeds stay the model's) and the trainer state.
  void parseCel(Napi::Env env, const Napi::Object& o) {
    if (o.Get("cel").IsUndefined())
      throwError(env, rf::code::kShape, "the model has clustered embedding tables: the state needs its cel part");
    if (!o.Get("m").IsUndefined() || !o.Get("v").IsUndefined())
      throwError(env, rf::code::kShape, "a state of clustered tables keeps its moments per side (state.cel), not in state.m / state.v");
    Napi::Object c = optionsArg(o.Get("cel"));
    cel_.emplace(*lease_->cel);
    rf::CelTrainerState& t = trainer_;
    const double steps = o.Get("steps").IsUndefined() ? 0 : numberArg(o.Get("steps"), "state.steps");
    if (!(steps >= 0 && steps <= 9007199254740991.0) || std::floor(steps) != steps)
      throwError(env, rf::code::kInvalidArgument, "state.steps must be a non-negative integer");
    t.steps = static_cast<int64_t>(steps);
    Napi::Object k = optionsArg(c.Get("counters"));
    t.counters.splits = static_cast<int64_t>(countField(env, k, "splits"));
    t.counters.splitRounds = static_cast<int64_t>(countField(env, k, "splitRounds"));
    t.counters.moves = static_cast<int64_t>(countField(env, k, "moves"));
    t.counters.reassignRounds = static_cast<int64_t>(countField(env, k, "reassignRounds"));
    bool trainerParts = t.steps > 0 || t.counters.splits > 0 || t.counters.splitRounds > 0 || t.counters.moves > 0 ||
                        t.counters.reassignRounds > 0;
    for (int side = 0; side < 2; ++side) {
      const std::string key = side == 0 ? "users" : "items";
      Napi::Object so = optionsArg(c.Get(key));
      rf::ClusteredTable& tab = cel_->table[side];
      const std::string p = "state.cel." + key + ".";
      tab.assign = int32Vector(so.Get("assign"), (p + "assign").c_str());
      tab.centers = float32Vector(so.Get("centers"), (p + "centers").c_str());
      tab.residual = so.Get("residual").IsUndefined() ? std::vector<float>{} : float32Vector(so.Get("residual"), (p + "residual").c_str());
      tab.bias = so.Get("bias").IsUndefined() ? std::vector<float>{} : float32Vector(so.Get("bias"), (p + "bias").c_str());
      if (tab.residual.empty() != lease_->cel->table[side].residual.empty() || tab.bias.empty() != lease_->cel->table[side].bias.empty())
        throwError(env, rf::code::kShape, key + ": residual or bias present in one of the model and the state only");
      for (int q = 0; q < 7; ++q) {
        const Napi::Value v = so.Get(kCelParts[q]);
        if (v.IsUndefined()) continue;
        *celPart(t.sides[side], q) = float32Vector(v, (p + kCelParts[q]).c_str());
        trainerParts = true;
      }
    }
    if (trainerParts && !lease_->celTrainer)
      throwError(env, rf::code::kInvalidArgument, "state has a training state but the model has no trainer configured (configureTraining first)");
  }

  void runCel() {
    rf::CelModel& next = *cel_;
    const rf::LightGcnConfig& c = lease_->model.config;
    for (int side = 0; side < 2; ++side) {
      const rf::ClusteredTable& tab = next.table[side];
      tab.validate();  // E_SHAPE / E_OUT_OF_RANGE
      if (tab.entities != (side == 0 ? c.users : c.items) || tab.dim != c.dim)
        rf::fail(rf::code::kShape, "clustered table does not match the model's shape");
      for (const auto* v : {&tab.centers, &tab.residual, &tab.bias})
        for (float x : *v)
          if (!std::isfinite(x)) rf::fail(rf::code::kNonFinite, "state holds NaN or Inf values");
    }
    if (lease_->celTrainer) lease_->celTrainer->restore(std::move(trainer_));  // checks first, changes nothing on failure
    *lease_->cel = std::move(next);
    lease_->cel->materialize(lease_->model);
  }

  BusyLease lease_;
  std::vector<float> ego_, m_, v_;
  int64_t steps_ = 0;
  std::optional<rf::CelModel> cel_;
  rf::CelTrainerState trainer_;
};

}  // namespace

Napi::Value startExportState(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<ExportStateJob>(env, std::move(s), info);
}
Napi::Value startImportState(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<ImportStateJob>(env, std::move(s), info);
}

}  // namespace rfaddon
