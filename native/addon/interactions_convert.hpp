// Conversions between rf::Interactions and the plain JS shape used by the loaders:
// { nUsers, nItems, users: Int32Array, items: Int32Array, weights?: Float32Array,
//   timestamps?: Float64Array }. Inputs are copied (see convert.hpp on ownership).
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "recforge/interactions.hpp"

namespace rfaddon {

// Reads the shape above (E_TYPE for wrong array types; lengths and ranges are checked by the core).
rf::Interactions interactionsArg(const Napi::Value& v, const char* name);

// Moves x's columns into a new JS object (zero-copy typed arrays); omits empty optional columns.
Napi::Object interactionsObject(Napi::Env env, rf::Interactions&& x);

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& v);

}  // namespace rfaddon
