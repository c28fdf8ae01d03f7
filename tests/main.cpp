// GoogleTest main shared by every test executable. Tests that need a GPU end in _CUDA and are filtered
// out when libtorch sees none (the PyTorch C++ API tests do the same).
#include <gtest/gtest.h>
#include <torch/cuda.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (!torch::cuda::is_available()) {
        std::string filter = ::testing::GTEST_FLAG(filter);
        filter += (filter.find('-') == std::string::npos ? "-" : ":") + std::string("*_CUDA");
        ::testing::GTEST_FLAG(filter) = filter;
    }
    return RUN_ALL_TESTS();
}
