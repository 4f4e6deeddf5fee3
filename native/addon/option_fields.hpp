// Typed fields of JS option objects shared by the model option parsers: each bad value is an
// E_INVALID_ARG naming "options.<key>" (E_TYPE for the wrong kind of value), raised on the main
// thread before any job is queued.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "convert.hpp"

namespace rfaddon {

[[noreturn]] void badOption(const Napi::Object& o, const std::string& key, const std::string& what);

// A finite number >= min (> min when minExclusive); undefined -> fallback.
double finiteField(const Napi::Object& o, const char* key, double fallback, double min, bool minExclusive);
// Any finite number (negative included); undefined -> fallback.
double anyFiniteField(const Napi::Object& o, const char* key, double fallback);
// options.seed: an integer in [0, 2^53 - 1] (larger JS numbers would silently round).
uint64_t seedField(const Napi::Object& o, double fallback);

// One of `names` -> the matching value of `values`; undefined -> fallback.
template <class E, size_t N>
E enumField(const Napi::Object& o, const char* key, const char* const (&names)[N], const E (&values)[N], E fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  const std::string s = stringArg(v, (std::string("options.") + key).c_str());
  std::string known;
  for (size_t k = 0; k < N; ++k) {
    if (s == names[k]) return values[k];
    known += (k ? ", '" : "'") + std::string(names[k]) + "'";
  }
  badOption(o, key, "must be one of " + known + ", got '" + s + "'");
}

}  // namespace rfaddon
