#include "interactions_convert.hpp"

#include <climits>

#include "convert.hpp"
#include "errors.hpp"
#include "recforge/error.hpp"

namespace rfaddon {

rf::Interactions interactionsArg(const Napi::Value& v, const char* name) {
  if (!v.IsObject()) throwError(v.Env(), rf::code::kType, std::string(name) + " must be an object with users and items");
  Napi::Object o = v.As<Napi::Object>();
  const std::string n = name;
  rf::Interactions x;
  x.nUsers = int32Arg(o.Get("nUsers"), (n + ".nUsers").c_str(), 0, INT32_MAX);
  x.nItems = int32Arg(o.Get("nItems"), (n + ".nItems").c_str(), 0, INT32_MAX);
  x.users = int32Vector(o.Get("users"), (n + ".users").c_str());
  x.items = int32Vector(o.Get("items"), (n + ".items").c_str());
  const Napi::Value w = o.Get("weights"), t = o.Get("timestamps");
  if (!w.IsUndefined() && !w.IsNull()) x.weights = float32Vector(w, (n + ".weights").c_str());
  if (!t.IsUndefined() && !t.IsNull()) x.timestamps = float64Vector(t, (n + ".timestamps").c_str());
  return x;
}

Napi::Object interactionsObject(Napi::Env env, rf::Interactions&& x) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("nUsers", x.nUsers);
  o.Set("nItems", x.nItems);
  o.Set("users", toInt32Array(env, std::move(x.users)));
  o.Set("items", toInt32Array(env, std::move(x.items)));
  if (x.hasWeights()) o.Set("weights", toFloat32Array(env, std::move(x.weights)));
  if (x.hasTimestamps()) o.Set("timestamps", toFloat64Array(env, std::move(x.timestamps)));
  return o;
}

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (uint32_t k = 0; k < v.size(); ++k) a.Set(k, Napi::String::New(env, v[k]));
  return a;
}

}  // namespace rfaddon
