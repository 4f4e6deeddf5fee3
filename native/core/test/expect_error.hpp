// Runs a callable that must throw rf::Error with a given code and returns the message, so tests
// can also pin the line/column a parser reports.
#pragma once
#include <string>

#include "harness.hpp"

namespace rftest {

template <class Fn>
std::string errorOf(const char* file, int line, Fn&& fn, const char* code) {
  try {
    fn();
  } catch (const rf::Error& e) {
    if (std::string(e.code()) != code) failAt(file, line, std::string("wrong code ") + e.code() + ": " + e.what());
    return e.what();
  }
  failAt(file, line, std::string("expected rf::Error ") + code);
}

}  // namespace rftest

// ERROR_OF(expr, code): the message of the rf::Error that expr throws (the test fails otherwise).
#define ERROR_OF(expr, code_) ::rftest::errorOf(__FILE__, __LINE__, [&] { (void)(expr); }, code_)

// CHECK_MSG(msg, "text"): msg contains text.
#define CHECK_MSG(msg, text)                                                                        \
  do {                                                                                              \
    const std::string m_ = (msg);                                                                   \
    if (m_.find(text) == std::string::npos)                                                         \
      ::rftest::failAt(__FILE__, __LINE__, "message '" + m_ + "' does not contain '" + (text) + "'"); \
  } while (0)
