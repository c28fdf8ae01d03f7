// The one-pass AdamW kernel: the SIMD update equals its scalar reference (up to FMA fusion: differences at
// the rounding unit of each term, so m, which cancels towards 0, is compared at an absolute tolerance) for
// lengths that are not a multiple of the vector width, over several steps; and one step matches the
// formula worked by hand.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bitswitch/kernels/adamw.h"

namespace bitswitch::kernels {
namespace {

TEST(AdamWKernel, VectorizedEqualsTheScalarReferenceOverSeveralSteps) {
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (const int64_t n : {1, 15, 17, 64, 1000}) {
        std::vector<float> p(static_cast<size_t>(n)), m(p.size()), v(p.size());
        for (auto& x : p) x = normal(rng);
        auto pr = p, mr = m, vr = v;
        for (int64_t step = 1; step <= 6; ++step) {
            std::vector<float> g(p.size());
            for (auto& x : g) x = normal(rng) * (step == 3 ? 0.0f : 1e-2f);  // a step with zero gradients
            const auto s = adamw_scalars(1e-3, 0.9, 0.999, 1e-8, 0.01, step);
            adamw_update(p.data(), g.data(), m.data(), v.data(), n, s);
            adamw_update_reference(pr.data(), g.data(), mr.data(), vr.data(), n, s);
        }
        for (size_t i = 0; i < p.size(); ++i) {
            // Terms: p ~ 1, m ~ 1e-3, v ~ 1e-4; float's rounding unit is 6e-8 of each.
            ASSERT_NEAR(p[i], pr[i], 1e-6f) << "n " << n << ", i " << i;
            ASSERT_NEAR(m[i], mr[i], 1e-9f) << "n " << n << ", i " << i;
            ASSERT_NEAR(v[i], vr[i], 1e-6f * vr[i] + 1e-13f) << "n " << n << ", i " << i;
        }
    }
}

TEST(AdamWKernel, FirstStepMatchesTheFormulaByHand) {
    // Step 1 from zero moments: m = (1-β1)g, v = (1-β2)g², the corrections divide them back to g and g²,
    // so p ← p(1 - lr·wd) - lr · g / (|g| + ε). With p = 2, g = -0.5, lr = 0.1, wd = 0.5, ε = 0:
    // p = 2 · 0.95 + 0.1 = 2.0 (the decay and the step cancel), m = -0.05, v = 0.00025 (β2 = 0.999).
    float p = 2.0f, g = -0.5f, m = 0.0f, v = 0.0f;
    adamw_update(&p, &g, &m, &v, 1, adamw_scalars(0.1, 0.9, 0.999, 0.0, 0.5, 1));
    EXPECT_NEAR(p, 2.0f, 1e-6f);
    EXPECT_FLOAT_EQ(m, -0.05f);
    EXPECT_FLOAT_EQ(v, 0.00025f);
}

}  // namespace
}  // namespace bitswitch::kernels
