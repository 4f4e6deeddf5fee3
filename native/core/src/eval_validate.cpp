// Input checks for the evaluator, kept apart from the hot path so every error has one owner.
#include <cmath>
#include <string>

#include "eval_validate.hpp"

namespace rf {

void validateCsr(const Csr& a, int32_t rows, int32_t cols, const char* what) {
  const std::string name(what);
  if (a.rows != rows || a.cols != cols)
    fail(code::kShape, name + " is " + std::to_string(a.rows) + " x " + std::to_string(a.cols) + ", expected " +
                           std::to_string(rows) + " x " + std::to_string(cols));
  if (a.indptr.size() != static_cast<size_t>(rows) + 1 || a.indptr[0] != 0 || a.indptr[rows] != a.nnz())
    fail(code::kShape, name + ": row offsets do not match its rows and entries");
  for (int32_t r = 0; r < rows; ++r) {
    if (a.indptr[r + 1] < a.indptr[r]) fail(code::kShape, name + ": row offsets decrease at row " + std::to_string(r));
    for (int64_t k = a.indptr[r]; k < a.indptr[r + 1]; ++k) {
      const int32_t c = a.indices[k];
      if (c < 0 || c >= cols)
        fail(code::kOutOfRange, name + ": row " + std::to_string(r) + " has id " + std::to_string(c) +
                                    " outside [0, " + std::to_string(cols) + ")");
      if (k > a.indptr[r] && c <= a.indices[k - 1])
        fail(code::kInvalidArgument, name + ": row " + std::to_string(r) + " is not strictly ascending");
    }
  }
}

void validatePrefixDims(const std::vector<int32_t>& dims, int32_t dim, const char* what) {
  const std::string name(what);
  if (dims.empty()) fail(code::kInvalidArgument, name + " must list at least one prefix width");
  for (size_t l = 0; l < dims.size(); ++l) {
    const int32_t d = dims[l];
    if (d < 1 || d > dim)
      fail(code::kInvalidArgument, name + "[" + std::to_string(l) + "] = " + std::to_string(d) + " is outside [1, " +
                                       std::to_string(dim) + "] (the embedding width)");
    if (l > 0 && d <= dims[l - 1])
      fail(code::kInvalidArgument, name + " must be strictly increasing (" + name + "[" + std::to_string(l) +
                                       "] = " + std::to_string(d) + " after " + std::to_string(dims[l - 1]) + ")");
  }
}

namespace eval {

void validateSpec(const EvalSpec& spec, int32_t nItems) {
  if (!spec.truth) fail(code::kInvalidArgument, "evaluate: truth is required");
  const int32_t nUsers = spec.truth->rows;
  validateCsr(*spec.truth, nUsers, nItems, "truth");
  if (spec.mask) validateCsr(*spec.mask, nUsers, nItems, "mask");
  if (spec.extraMask) validateCsr(*spec.extraMask, nUsers, nItems, "extraMask");
  if (spec.ks.empty()) fail(code::kInvalidArgument, "evaluate: at least one cutoff k is required");
  for (size_t i = 0; i < spec.ks.size(); ++i) {
    const int32_t k = spec.ks[i];
    if (k <= 0 || k > nItems)
      fail(code::kInvalidArgument,
           "evaluate: k = " + std::to_string(k) + " must be in [1, " + std::to_string(nItems) + "]");
    for (size_t j = 0; j < i; ++j)
      if (spec.ks[j] == k) fail(code::kInvalidArgument, "evaluate: duplicate k = " + std::to_string(k));
  }
  if (spec.threads < 0) fail(code::kInvalidArgument, "evaluate: threads must be >= 0");
}

void validateTables(const MatrixView& users, const MatrixView& items, const EvalSpec& spec) {
  if (users.cols != items.cols)
    fail(code::kShape, "evaluate: user dim " + std::to_string(users.cols) + " != item dim " +
                           std::to_string(items.cols));
  if (spec.truth && users.rows != spec.truth->rows)
    fail(code::kShape, "evaluate: " + std::to_string(users.rows) + " user rows for " +
                           std::to_string(spec.truth->rows) + " users");
  validateSpec(spec, items.rows);
  validateEmbeddings(users, "user embeddings");
  validateEmbeddings(items, "item embeddings");
}

std::vector<int32_t> evaluatedUsers(const Csr& truth) {
  std::vector<int32_t> users;
  for (int32_t u = 0; u < truth.rows; ++u)
    if (truth.degree(u) > 0) users.push_back(u);
  if (users.empty()) fail(code::kEmpty, "evaluate: no user has a relevant item");
  return users;
}

void validateEmbeddings(const MatrixView& m, const char* what) {
  const std::string name(what);
  if (m.rows < 0 || m.cols <= 0) fail(code::kShape, name + " must have at least one column");
  if (m.rows > 0 && !m.data) fail(code::kInvalidArgument, name + " has no data");
  const int64_t n = static_cast<int64_t>(m.rows) * m.cols;
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(m.data[i]))
      fail(code::kNonFinite, name + " has a non-finite value at row " + std::to_string(i / m.cols) + ", column " +
                                 std::to_string(i % m.cols));
}

}  // namespace eval
}  // namespace rf
