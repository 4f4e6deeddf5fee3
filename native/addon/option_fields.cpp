#include "option_fields.hpp"

#include <cmath>

#include "errors.hpp"
#include "recforge/error.hpp"

namespace rfaddon {

namespace {
constexpr double kMaxSafeInteger = 9007199254740991.0;
std::string shown(const Napi::Object& o, const char* key) { return o.Get(key).ToString().Utf8Value(); }
}  // namespace

void badOption(const Napi::Object& o, const std::string& key, const std::string& what) {
  throwError(o.Env(), rf::code::kInvalidArgument, "options." + key + " " + what);
}

double finiteField(const Napi::Object& o, const char* key, double fallback, double min, bool minExclusive) {
  const double v = numberField(o, key, fallback);
  if (!std::isfinite(v) || v < min || (minExclusive && v == min))
    badOption(o, key, std::string("must be a finite number ") + (minExclusive ? "> " : ">= ") + std::to_string(min) +
                          ", got " + shown(o, key));
  return v;
}

double anyFiniteField(const Napi::Object& o, const char* key, double fallback) {
  const double v = numberField(o, key, fallback);
  if (!std::isfinite(v)) badOption(o, key, "must be a finite number, got " + shown(o, key));
  return v;
}

uint64_t seedField(const Napi::Object& o, double fallback) {
  const double v = numberField(o, "seed", fallback);
  if (!std::isfinite(v) || std::floor(v) != v || v < 0 || v > kMaxSafeInteger)
    badOption(o, "seed", "must be an integer in [0, 2^53 - 1], got " + shown(o, "seed"));
  return static_cast<uint64_t>(v);
}

}  // namespace rfaddon
