// Runs every registered test (or those whose name contains argv[1]) and prints the plain
// "N passed, N failed" closing line.
#include <cstdio>
#include <cstring>
#include <exception>

#include "harness.hpp"

namespace rftest {
std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
}  // namespace rftest

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& c : rftest::registry()) {
    if (filter && !std::strstr(c.name, filter)) continue;
    try {
      c.fn();
      ++passed;
      std::printf("ok   %s\n", c.name);
    } catch (const rftest::Skip& s) {
      ++skipped;
      std::printf("skip %s (%s)\n", c.name, s.reason.c_str());
    } catch (const rftest::Failure& f) {
      ++failed;
      std::printf("FAIL %s\n     %s\n", c.name, f.message.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s\n     unexpected exception: %s\n", c.name, e.what());
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  // A run where every test skipped is not a failure (a GPU suite on a CPU machine), but a run
  // where nothing ran at all (a filter matching no test) is.
  return failed == 0 && passed + skipped > 0 ? 0 : 1;
}
