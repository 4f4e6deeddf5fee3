// Internal to the evaluator: argument checks shared by every entry point.
#pragma once
#include "recforge/evaluate.hpp"

namespace rf::eval {
// Throws E_INVALID_ARG / E_SHAPE / E_OUT_OF_RANGE for a spec that cannot be evaluated on nItems.
void validateSpec(const EvalSpec& spec, int32_t nItems);
// Throws E_SHAPE for a matrix without columns, E_NONFINITE for NaN/Inf.
void validateEmbeddings(const MatrixView& m, const char* what);
}  // namespace rf::eval
