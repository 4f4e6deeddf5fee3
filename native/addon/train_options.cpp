#include "train_options.hpp"

#include <cmath>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "option_fields.hpp"
#include "recforge/error.hpp"

namespace rfaddon {

namespace {

// options.matryoshka: { levels: number[], weights?: number[], candidates, mode }. The core
// validates the values (E_INVALID_ARG naming the field) when the trainer is built.
rf::MatryoshkaObjective parseMatryoshka(const Napi::Object& parent) {
  Napi::Object o = optionsArg(parent.Get("matryoshka"));
  rf::MatryoshkaObjective m;
  m.levels.dims = int32List(o.Get("levels"), "options.matryoshka.levels");
  if (!o.Get("weights").IsUndefined()) m.levels.weights = numberList(o.Get("weights"), "options.matryoshka.weights");
  m.levels.candidates = int32Field(o, "candidates", 1, 1 << 20, 1);
  static const char* const modeNames[] = {"mns", "shared", "dns"};
  static const rf::MatryoshkaMode modes[] = {rf::MatryoshkaMode::kMns, rf::MatryoshkaMode::kShared,
                                              rf::MatryoshkaMode::kDns};
  m.mode = enumField(o, "mode", modeNames, modes, m.mode);
  return m;
}

}  // namespace

rf::LightGcnConfig parseLightGcnConfig(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::LightGcnConfig c;
  c.dim = int32Field(o, "dim", 1, 4096, c.dim);
  c.layers = int32Field(o, "layers", 0, 64, c.layers);
  c.initStd = finiteField(o, "initStd", c.initStd, 0, false);
  static const char* const initNames[] = {"normal", "xavier"};
  static const rf::InitKind inits[] = {rf::InitKind::kNormal, rf::InitKind::kXavierUniform};
  c.init = enumField(o, "init", initNames, inits, c.init);
  c.seed = seedField(o, 0);
  return c;
}

rf::TrainOptions parseTrainOptions(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::TrainOptions t;
  static const char* const samplerNames[] = {"tf", "torch", "stratified", "pairs"};
  static const rf::EpochKind samplers[] = {rf::EpochKind::kTfDistinctUsers, rf::EpochKind::kTorchUniformUsers,
                                           rf::EpochKind::kTorchStratified, rf::EpochKind::kShuffledPairs};
  t.sampler = enumField(o, "sampler", samplerNames, samplers, t.sampler);
  static const char* const negativeNames[] = {"uniform", "popularity"};
  static const rf::NegativeKind negatives[] = {rf::NegativeKind::kUniform, rf::NegativeKind::kPopularity};
  t.negatives = enumField(o, "negatives", negativeNames, negatives, t.negatives);
  t.negativeAlpha = finiteField(o, "negativeAlpha", t.negativeAlpha, 0, false);
  t.batchSize = int32Field(o, "batchSize", 1, INT32_MAX, t.batchSize);
  t.lambda = finiteField(o, "reg", t.lambda, 0, false);
  t.regByConfiguredBatch = boolArg(o.Get("regByConfiguredBatch"), "options.regByConfiguredBatch", false);
  t.dropLastPartial = boolArg(o.Get("dropLast"), "options.dropLast", false);
  if (!o.Get("matryoshka").IsUndefined()) t.matryoshka = parseMatryoshka(o);
  static const char* const optimizerNames[] = {"adam", "lazy-adam", "sgd"};
  static const rf::OptimizerKind optimizers[] = {rf::OptimizerKind::kAdam, rf::OptimizerKind::kLazyAdam,
                                                 rf::OptimizerKind::kSgd};
  t.optimizer = enumField(o, "optimizer", optimizerNames, optimizers, t.optimizer);
  t.adam.lr = finiteField(o, "lr", t.adam.lr, 0, true);
  t.threads = int32Field(o, "threads", 0, 4096, 0);
  t.seed = seedField(o, 0);
  return t;
}

TrainDevice parseTrainDevice(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  static const char* const deviceNames[] = {"cpu", "cuda"};
  static const TrainDevice devices[] = {TrainDevice::kCpu, TrainDevice::kCuda};
  return enumField(o, "device", deviceNames, devices, TrainDevice::kCpu);
}

}  // namespace rfaddon
