// The one place that unwraps JS values into C++: every check of dtype, length and range lives
// here so entry points read as a list of arguments. Failures throw JS errors with codes
// (E_TYPE for the wrong kind of value, E_INVALID_ARG for bad values), naming the argument.
//
// Ownership: async jobs copy typed-array inputs into std::vector on the main thread (a memcpy,
// far cheaper than any job) so JS may reuse, mutate or transfer its buffers while the job runs.
// Outputs move std::vector storage into external ArrayBuffers with no copy.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rfaddon {

std::vector<int32_t> int32Vector(const Napi::Value& v, const char* name);
std::vector<float> float32Vector(const Napi::Value& v, const char* name);
std::vector<double> float64Vector(const Napi::Value& v, const char* name);
// Raw bytes of a Buffer / Uint8Array (copied).
std::vector<char> bytesVector(const Napi::Value& v, const char* name);

int32_t int32Arg(const Napi::Value& v, const char* name, int32_t min, int32_t max);
double numberArg(const Napi::Value& v, const char* name);
bool boolArg(const Napi::Value& v, const char* name, bool fallback);
std::string stringArg(const Napi::Value& v, const char* name);
std::vector<int32_t> int32List(const Napi::Value& v, const char* name);  // JS array of integers
std::vector<double> numberList(const Napi::Value& v, const char* name);   // JS array of numbers

// Optional fields of an options object (undefined -> fallback); names read "options.<key>".
int32_t int32Field(const Napi::Object& o, const char* key, int32_t min, int32_t max, int32_t fallback);
double numberField(const Napi::Object& o, const char* key, double fallback);
Napi::Object optionsArg(const Napi::Value& v);  // undefined -> {}, non-object -> E_TYPE

// Zero-copy export: the vector's storage becomes the ArrayBuffer's backing store.
Napi::Int32Array toInt32Array(Napi::Env env, std::vector<int32_t>&& v);
Napi::Float32Array toFloat32Array(Napi::Env env, std::vector<float>&& v);
Napi::Float64Array toFloat64Array(Napi::Env env, std::vector<double>&& v);

// {items: Int32Array, scores: Float32Array}: the ranked lists every top-k job returns.
Napi::Object rankedLists(Napi::Env env, std::vector<int32_t>&& items, std::vector<float>&& scores);
// {users: Float32Array, items: Float32Array}: a model's two embedding tables.
Napi::Object userItemTables(Napi::Env env, std::vector<float>&& users, std::vector<float>&& items);

}  // namespace rfaddon
