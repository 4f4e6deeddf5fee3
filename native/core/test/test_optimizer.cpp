// Adam against values computed by hand with numpy float32 in PyTorch's operation order
// (m = m*b1 + (1-b1)*g; v = v*b2 + ((1-b2)*g)*g; p += (-lr/bc1 * m) / (sqrt(v)/sqrt(bc2) + eps)).
#include <cstring>
#include <vector>

#include "harness.hpp"
#include "recforge/optimizer.hpp"

namespace {

float fromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

const float kGrads[3][4] = {{0.1f, -0.2f, 0.0f, 3.0f}, {-0.05f, 0.4f, 1e-3f, -1.0f}, {0.2f, 0.0f, -2.0f, 0.5f}};
// Parameters after steps 1, 2, 3 (float32 bit patterns), lr 0.01, default betas and eps,
// starting from {0.5, -1.25, 0, 2}.
const uint32_t kExpected[3][4] = {{0x3efae148, 0xbf9eb852, 0x00000000, 0x3ffeb852},
                                  {0x3ef98430, 0xbf9f3049, 0xbbf3d5d6, 0x3ffe352d},
                                  {0x3ef62596, 0xbf9f8d05, 0xba8a6994, 0x3ffdb053}};

}  // namespace

TEST(adam_matches_pytorch_float_sequence) {
  for (bool lerp : {false, true}) {  // both forms give the same bits on these values
    rf::AdamOptions o;
    o.lr = 0.01;
    o.lerpFirstMoment = lerp;
    float p[4] = {0.5f, -1.25f, 0.0f, 2.0f}, m[4] = {}, v[4] = {};
    for (int t = 0; t < 3; ++t) {
      rf::adamUpdate(p, m, v, kGrads[t], 4, rf::AdamStep::at(o, t + 1));
      for (int k = 0; k < 4; ++k) CHECK_EQ(p[k], fromBits(kExpected[t][k]));
    }
    CHECK_NEAR(m[0], 0.0236000009, 1e-9);
    CHECK_NEAR(v[3], 0.0102310078, 1e-9);
  }
}

TEST(adam_rows_equal_dense_update) {
  rf::AdamOptions o;
  const int32_t d = 19;  // odd width: vector body plus tail
  std::vector<float> p(5 * d), m(5 * d, 0.0f), v(5 * d, 0.0f), g(5 * d);
  for (size_t k = 0; k < p.size(); ++k) p[k] = 0.01f * float(k % 17) - 0.05f, g[k] = 0.003f * float(k % 11) - 0.01f;
  auto p2 = p, m2 = m, v2 = v;
  std::vector<int32_t> rows{0, 1, 2, 3, 4};
  for (int t = 1; t <= 4; ++t) {
    const auto s = rf::AdamStep::at(o, t);
    rf::adamUpdate(p.data(), m.data(), v.data(), g.data(), static_cast<int64_t>(p.size()), s);
    rf::adamUpdateRows(p2.data(), m2.data(), v2.data(), d, rows.data(), 5, g.data(), s);
  }
  CHECK(std::memcmp(p.data(), p2.data(), p.size() * 4) == 0);
  CHECK(std::memcmp(v.data(), v2.data(), v.size() * 4) == 0);
}

TEST(adam_zero_grad_rows_equal_dense_update_with_zero_gradient) {
  // Rows with a zero gradient, updated without reading one, must match the dense update bit for
  // bit, including signed zeros in the moments and the lerp form; skipped rows stay untouched.
  for (bool lerp : {false, true}) {
    rf::AdamOptions o;
    o.lr = 0.01;
    o.lerpFirstMoment = lerp;
    const int32_t d = 13, rows = 6;
    std::vector<float> p(rows * d), m(rows * d), v(rows * d), zero(rows * d, 0.0f);
    for (size_t k = 0; k < p.size(); ++k) {
      p[k] = k % 7 == 0 ? -0.0f : 0.03f * float(k % 9) - 0.1f;
      m[k] = k % 5 == 0 ? -0.0f : 0.002f * float(k % 13) - 0.01f;
      v[k] = k % 4 == 0 ? 0.0f : 1e-4f * float(k % 11);
    }
    auto p2 = p, m2 = m, v2 = v;
    std::vector<uint8_t> skip(rows, 0);
    skip[2] = 1;
    std::vector<int32_t> updated{0, 1, 3, 4, 5};
    const auto p0 = p;
    for (int t = 1; t <= 3; ++t) {
      const auto st = rf::AdamStep::at(o, t + 5);
      rf::adamUpdateRows(p.data(), m.data(), v.data(), d, updated.data(), 5, zero.data(), st);
      rf::adamUpdateZeroGradRows(p2.data(), m2.data(), v2.data(), d, 0, rows, skip.data(), st);
    }
    CHECK(std::memcmp(p.data(), p2.data(), p.size() * 4) == 0);
    CHECK(std::memcmp(m.data(), m2.data(), m.size() * 4) == 0);
    CHECK(std::memcmp(v.data(), v2.data(), v.size() * 4) == 0);
    CHECK(std::memcmp(p2.data() + 2 * d, p0.data() + 2 * d, d * 4) == 0);  // the skipped row
    CHECK(p2[d + 1] != p0[d + 1]);  // momentum still moves untouched rows
  }
}

TEST(adam_lazy_rows_leave_other_rows_alone) {
  rf::AdamOptions o;
  std::vector<float> p(3 * 2, 1.0f), m(6, 0.5f), v(6, 0.25f), g{7.0f, 8.0f};
  std::vector<int32_t> rows{1};
  rf::adamUpdateRows(p.data(), m.data(), v.data(), 2, rows.data(), 1, g.data(), rf::AdamStep::at(o, 3));
  CHECK_EQ(p[0], 1.0f);
  CHECK_EQ(m[5], 0.5f);
  CHECK(p[2] < 1.0f && p[3] < 1.0f);
}

TEST(adam_rejects_bad_options) {
  rf::AdamOptions o;
  CHECK_THROWS_CODE(rf::AdamStep::at(o, 0), rf::code::kInvalidArgument);
  o.beta2 = 1.0;
  CHECK_THROWS_CODE(rf::AdamStep::at(o, 1), rf::code::kInvalidArgument);
}

TEST(sgd_update) {
  std::vector<float> p{1.0f, 2.0f, 3.0f, 4.0f}, g{0.5f, -1.0f};
  rf::sgdUpdate(p.data(), g.data(), 2, 0.1f);
  CHECK_EQ(p[0], 1.0f - 0.1f * 0.5f);
  CHECK_EQ(p[1], 2.0f + 0.1f);
  std::vector<int32_t> rows{1};
  rf::sgdUpdateRows(p.data(), 2, rows.data(), 1, g.data(), 0.1f);
  CHECK_EQ(p[2], 3.0f - 0.1f * 0.5f);
  CHECK_EQ(p[3], 4.0f + 0.1f);
}
