// Maps core failures to JS errors that carry a stable `code` property. The TS facade turns these
// into RecforgeError instances; nothing else in the addon builds error objects by hand.
#pragma once
#include <napi.h>

#include <string>

namespace rfaddon {

// A JS Error whose `code` is one of the rf::code constants.
Napi::Error makeError(Napi::Env env, const char* code, const std::string& message);

// Throws makeError(...) as a C++ exception (NAPI_CPP_EXCEPTIONS), for synchronous entry points.
[[noreturn]] void throwError(Napi::Env env, const char* code, const std::string& message);

// Runs fn() and converts rf::Error / std::bad_alloc / std::exception into JS errors with codes.
// Synchronous entry points wrap their body in this so no C++ exception escapes without a code.
template <class Fn>
auto guarded(Napi::Env env, Fn&& fn) -> decltype(fn());

}  // namespace rfaddon

#include "errors_impl.hpp"
