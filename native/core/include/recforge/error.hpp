// Error type of the core. Every failure the core reports carries a stable code (one of the
// constants below) so the binding can map it to a typed JS error without parsing messages.
#pragma once
#include <stdexcept>
#include <string>

namespace rf {

namespace code {
inline constexpr const char* kInvalidArgument = "E_INVALID_ARG";  // bad option / argument value
inline constexpr const char* kParse = "E_PARSE";                  // malformed input text/bytes
inline constexpr const char* kOutOfRange = "E_OUT_OF_RANGE";      // id or index outside its domain
inline constexpr const char* kShape = "E_SHAPE";                  // arrays whose sizes disagree
inline constexpr const char* kNonFinite = "E_NONFINITE";          // NaN or Inf where numbers must be finite
inline constexpr const char* kEmpty = "E_EMPTY";                  // no data where some is required
inline constexpr const char* kAborted = "E_ABORTED";              // cancelled through a CancelToken
inline constexpr const char* kType = "E_TYPE";                    // wrong kind of value (e.g. TypedArray type)
inline constexpr const char* kIo = "E_IO";                        // file missing / unreadable (raised by the facade)
inline constexpr const char* kDisposed = "E_DISPOSED";            // object used after dispose()
inline constexpr const char* kInternal = "E_INTERNAL";            // a bug: an invariant did not hold
inline constexpr const char* kNoDevice = "E_NO_DEVICE";           // GPU asked for but none usable (no device, driver too old, not built)
inline constexpr const char* kDeviceMemory = "E_DEVICE_OOM";      // the GPU ran out of memory (the process lives on)
inline constexpr const char* kDevice = "E_DEVICE";                // any other CUDA runtime failure
}  // namespace code

class Error : public std::runtime_error {
 public:
  Error(const char* code, const std::string& message) : std::runtime_error(message), code_(code) {}
  const char* code() const noexcept { return code_; }

 private:
  const char* code_;  // always one of the static strings in rf::code
};

[[noreturn]] inline void fail(const char* code, const std::string& message) { throw Error(code, message); }

}  // namespace rf
