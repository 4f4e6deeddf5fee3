// Parsing and validation of LightGCN hyperparameters from JS option objects. Every bad value is
// an E_INVALID_ARG (E_TYPE for the wrong kind of value) naming the option, raised on the main
// thread before any job is queued.
#pragma once
#include <napi.h>

#include "recforge/lightgcn.hpp"

namespace rfaddon {

// {dim, layers, initStd, seed}; users/items are left to the caller (they come from the graph).
rf::LightGcnConfig parseLightGcnConfig(const Napi::Value& v);

// {sampler: 'tf'|'torch'|'stratified', negatives: 'uniform'|'popularity', negativeAlpha,
//  batchSize, reg, regByConfiguredBatch, optimizer: 'adam'|'lazy-adam'|'sgd', lr, threads, seed}
rf::TrainOptions parseTrainOptions(const Napi::Value& v);

// Where a configured training run executes.
enum class TrainDevice { kCpu, kCuda };

// options.device: 'cpu' (default) | 'cuda'. 'cuda' is accepted by every build; a build without
// RECFORGE_WITH_CUDA refuses it when the trainer is configured (E_NO_DEVICE).
TrainDevice parseTrainDevice(const Napi::Value& v);

}  // namespace rfaddon
