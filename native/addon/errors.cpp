#include "errors.hpp"

namespace rfaddon {

Napi::Error makeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", Napi::String::New(env, code));
  return err;
}

void throwError(Napi::Env env, const char* code, const std::string& message) { throw makeError(env, code, message); }

}  // namespace rfaddon
