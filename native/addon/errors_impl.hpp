#pragma once
#include <new>

#include "recforge/error.hpp"

namespace rfaddon {

template <class Fn>
auto guarded(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const rf::Error& e) {
    throwError(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throwError(env, "E_OUT_OF_MEMORY", "out of memory");
  } catch (const std::exception& e) {
    throwError(env, rf::code::kInternal, e.what());
  }
}

}  // namespace rfaddon
