#include "serve_args.hpp"

#include <algorithm>

#include "convert.hpp"
#include "errors.hpp"

namespace rfaddon {

namespace {

// Stands in for the data of an empty list: a null allow pointer would mean "no allow list".
const int32_t kNoItems[1] = {0};

// Reads an optional item list into `into` (sorted, distinct); false when absent.
bool itemListArg(const Napi::Value& v, const char* name, int32_t nItems, std::vector<int32_t>& into) {
  if (v.IsUndefined() || v.IsNull()) return false;
  into = int32Vector(v, name);
  try {
    rf::normalizeItemList(into, nItems, name);
  } catch (const rf::Error& e) {
    throwError(v.Env(), e.code(), e.what());
  }
  return true;
}

}  // namespace

void parseServeArgs(const Napi::Value& k, const Napi::Value& excludeTrain, const Napi::Value& dim,
                    const Napi::Value& shortlist, const Napi::Value& allow, const Napi::Value& deny, int32_t items,
                    int32_t width, ServeArgs& out) {
  rf::RetrievalSpec& spec = out.spec;
  spec = rf::RetrievalSpec{};
  spec.k = int32Arg(k, "k", 1, INT32_MAX);
  out.excludeTrain = boolArg(excludeTrain, "excludeTrain", true);
  spec.dim = int32Arg(dim, "dim", 0, INT32_MAX);
  spec.shortlist = int32Arg(shortlist, "shortlist", 0, INT32_MAX);
  rf::validateRetrieval(spec, width);  // refused synchronously (guarded() maps rf::Error), before any job is queued
  if (itemListArg(allow, "allow", items, out.allow))
    spec.allow = out.allow.empty() ? kNoItems : out.allow.data(), spec.nAllow = static_cast<int64_t>(out.allow.size());
  if (itemListArg(deny, "deny", items, out.deny))
    spec.deny = out.deny.data(), spec.nDeny = static_cast<int64_t>(out.deny.size());
  const int32_t cap = std::max(items, 1);
  spec.k = std::min(spec.k, cap);
  spec.shortlist = std::min(spec.shortlist, std::max(cap, spec.k));
}

}  // namespace rfaddon
