#include "convert.hpp"

#include <cmath>
#include <cstring>

#include "errors.hpp"
#include "recforge/error.hpp"

namespace rfaddon {

namespace {

const char* typedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

template <class T>
std::vector<T> typedVector(const Napi::Value& v, const char* name, napi_typedarray_type want) {
  if (!v.IsTypedArray())
    throwError(v.Env(), rf::code::kType, std::string(name) + " must be a " + typedArrayName(want));
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != want)
    throwError(v.Env(), rf::code::kType,
               std::string(name) + " must be a " + typedArrayName(want) + ", got " + typedArrayName(ta.TypedArrayType()));
  const size_t n = ta.ElementLength();
  std::vector<T> out(n);
  if (n) {
    const auto* base = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    std::memcpy(out.data(), base, n * sizeof(T));
  }
  return out;
}

template <class T>
struct Holder {
  std::vector<T> v;
};

template <class T, class Arr>
Arr exportVector(Napi::Env env, std::vector<T>&& v, napi_typedarray_type type) {
  const size_t n = v.size();
  auto* holder = new Holder<T>{std::move(v)};
  // An external buffer cannot have a null data pointer; empty vectors get a fresh buffer.
  if (n == 0) {
    delete holder;
    return Arr::New(env, 0);
  }
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, holder->v.data(), n * sizeof(T),
                                                [](Napi::Env, void*, Holder<T>* h) { delete h; }, holder);
  return Arr::New(env, n, ab, 0);
}

}  // namespace

std::vector<int32_t> int32Vector(const Napi::Value& v, const char* name) {
  return typedVector<int32_t>(v, name, napi_int32_array);
}
std::vector<float> float32Vector(const Napi::Value& v, const char* name) {
  return typedVector<float>(v, name, napi_float32_array);
}
std::vector<double> float64Vector(const Napi::Value& v, const char* name) {
  return typedVector<double>(v, name, napi_float64_array);
}
std::vector<char> bytesVector(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throwError(v.Env(), rf::code::kType, std::string(name) + " must be a Buffer or Uint8Array");
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  return std::vector<char>(reinterpret_cast<const char*>(a.Data()), reinterpret_cast<const char*>(a.Data()) + a.ElementLength());
}

double numberArg(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throwError(v.Env(), rf::code::kType, std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int32_t int32Arg(const Napi::Value& v, const char* name, int32_t min, int32_t max) {
  const double d = numberArg(v, name);
  if (!std::isfinite(d) || std::floor(d) != d || d < min || d > max)
    throwError(v.Env(), rf::code::kInvalidArgument,
               std::string(name) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                   v.ToString().Utf8Value());
  return static_cast<int32_t>(d);
}

bool boolArg(const Napi::Value& v, const char* name, bool fallback) {
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) throwError(v.Env(), rf::code::kType, std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string stringArg(const Napi::Value& v, const char* name) {
  if (!v.IsString()) throwError(v.Env(), rf::code::kType, std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

namespace {

// A JS array mapped element by element through `element(value, "name[k]")`.
template <class T, class F>
std::vector<T> listOf(const Napi::Value& v, const char* name, const char* what, F element) {
  if (!v.IsArray()) throwError(v.Env(), rf::code::kType, std::string(name) + " must be an array of " + what);
  Napi::Array a = v.As<Napi::Array>();
  std::vector<T> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    const std::string item = std::string(name) + "[" + std::to_string(k) + "]";
    out.push_back(element(a.Get(k), item.c_str()));
  }
  return out;
}

}  // namespace

std::vector<int32_t> int32List(const Napi::Value& v, const char* name) {
  return listOf<int32_t>(v, name, "integers",
                         [](const Napi::Value& x, const char* item) { return int32Arg(x, item, INT32_MIN, INT32_MAX); });
}

std::vector<double> numberList(const Napi::Value& v, const char* name) {
  return listOf<double>(v, name, "numbers", [](const Napi::Value& x, const char* item) { return numberArg(x, item); });
}

Napi::Object optionsArg(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return Napi::Object::New(v.Env());
  if (!v.IsObject()) throwError(v.Env(), rf::code::kType, "options must be an object");
  return v.As<Napi::Object>();
}

int32_t int32Field(const Napi::Object& o, const char* key, int32_t min, int32_t max, int32_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return int32Arg(v, (std::string("options.") + key).c_str(), min, max);
}

double numberField(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return numberArg(v, (std::string("options.") + key).c_str());
}

Napi::Int32Array toInt32Array(Napi::Env env, std::vector<int32_t>&& v) {
  return exportVector<int32_t, Napi::Int32Array>(env, std::move(v), napi_int32_array);
}
Napi::Float32Array toFloat32Array(Napi::Env env, std::vector<float>&& v) {
  return exportVector<float, Napi::Float32Array>(env, std::move(v), napi_float32_array);
}
Napi::Float64Array toFloat64Array(Napi::Env env, std::vector<double>&& v) {
  return exportVector<double, Napi::Float64Array>(env, std::move(v), napi_float64_array);
}

Napi::Object rankedLists(Napi::Env env, std::vector<int32_t>&& items, std::vector<float>&& scores) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("items", toInt32Array(env, std::move(items)));
  o.Set("scores", toFloat32Array(env, std::move(scores)));
  return o;
}

Napi::Object userItemTables(Napi::Env env, std::vector<float>&& users, std::vector<float>&& items) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("users", toFloat32Array(env, std::move(users)));
  o.Set("items", toFloat32Array(env, std::move(items)));
  return o;
}

}  // namespace rfaddon
