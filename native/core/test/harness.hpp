// A minimal test harness for the core (no third-party framework, so the test executable builds
// anywhere the core builds, including a GPU machine without Node or a package manager).
#pragma once
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "recforge/error.hpp"

namespace rftest {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& registry();
struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

struct Failure {
  std::string message;
};

// Thrown by a test that cannot run here (e.g. a GPU test on a machine without a GPU); reported as
// "skip" with its reason, never as a pass.
struct Skip {
  std::string reason;
};

[[noreturn]] inline void failAt(const char* file, int line, const std::string& what) {
  std::ostringstream os;
  os << file << ":" << line << ": " << what;
  throw Failure{os.str()};
}

}  // namespace rftest

#define RF_CAT2(a, b) a##b
#define RF_CAT(a, b) RF_CAT2(a, b)
#define TEST(name)                                                              \
  static void RF_CAT(test_, name)();                                            \
  static ::rftest::Registrar RF_CAT(reg_, name)(#name, &RF_CAT(test_, name));   \
  static void RF_CAT(test_, name)()

#define CHECK(cond) \
  do { if (!(cond)) ::rftest::failAt(__FILE__, __LINE__, "CHECK(" #cond ") failed"); } while (0)

#define CHECK_EQ(a, b)                                                                          \
  do {                                                                                          \
    auto va_ = (a);                                                                             \
    auto vb_ = (b);                                                                             \
    if (!(va_ == vb_)) {                                                                        \
      std::ostringstream os_;                                                                   \
      os_ << "CHECK_EQ(" #a ", " #b ") failed: " << va_ << " vs " << vb_;                       \
      ::rftest::failAt(__FILE__, __LINE__, os_.str());                                          \
    }                                                                                           \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                   \
  do {                                                                                          \
    double va_ = (a), vb_ = (b);                                                                \
    if (!(std::fabs(va_ - vb_) <= (tol))) {                                                     \
      std::ostringstream os_;                                                                   \
      os_ << "CHECK_NEAR(" #a ", " #b ") failed: " << va_ << " vs " << vb_ << " tol " << (tol); \
      ::rftest::failAt(__FILE__, __LINE__, os_.str());                                          \
    }                                                                                           \
  } while (0)

// Passes when `expr` throws rf::Error with the given code.
#define CHECK_THROWS_CODE(expr, code_)                                                          \
  do {                                                                                          \
    bool threw_ = false;                                                                        \
    try {                                                                                       \
      (void)(expr);                                                                             \
    } catch (const ::rf::Error& e_) {                                                           \
      threw_ = true;                                                                            \
      if (std::string(e_.code()) != std::string(code_))                                        \
        ::rftest::failAt(__FILE__, __LINE__, std::string("wrong code ") + e_.code() + ": " + e_.what()); \
    }                                                                                           \
    if (!threw_) ::rftest::failAt(__FILE__, __LINE__, "expected rf::Error " #code_ " from " #expr); \
  } while (0)
