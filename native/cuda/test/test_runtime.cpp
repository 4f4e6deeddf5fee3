// The runtime layer: probing never throws, allocation failures are typed and survivable, buffers
// round-trip.
#include <cstring>

#include "gpu_test.hpp"

TEST(cuda_probe_reports_a_reason_or_a_device) {
  rf::cuda::DeviceInfo info = rf::cuda::probe();
  if (info.usable) {
    CHECK(!info.name.empty());
    CHECK(info.multiprocessors > 0);
    CHECK(info.totalMemory > 0);
  } else {
    CHECK(!info.why.empty());
    CHECK_THROWS_CODE(rf::cuda::requireDevice(), rf::code::kNoDevice);
  }
}

TEST(cuda_buffer_round_trip) {
  REQUIRE_GPU();
  std::vector<float> host(1000);
  for (size_t i = 0; i < host.size(); ++i) host[i] = float(i) * 0.5f - 7;
  rf::cuda::DeviceBuffer<float> d(host, "test");
  rf::cuda::DeviceBuffer<float> e(d.size(), "copy");
  rf::cuda::copyOnDevice(e.data(), d.data(), d.bytes());
  CHECK(e.toHost() == host);
  e.zero();
  CHECK(e.toHost() == std::vector<float>(1000, 0.0f));
}

TEST(cuda_out_of_memory_is_a_typed_error_and_the_device_stays_usable) {
  REQUIRE_GPU();
  size_t freeB = 0, totalB = 0;
  rf::cuda::memoryInfo(freeB, totalB);
  // Far more than the card has: cudaMalloc fails cleanly with cudaErrorMemoryAllocation.
  CHECK_THROWS_CODE(rf::cuda::DeviceBuffer<float>(totalB, "huge"), rf::code::kDeviceMemory);
  rf::cuda::DeviceBuffer<int32_t> ok(std::vector<int32_t>{1, 2, 3});
  CHECK(ok.toHost() == (std::vector<int32_t>{1, 2, 3}));
}
