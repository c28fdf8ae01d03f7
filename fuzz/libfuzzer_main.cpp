// libFuzzer's entry point for one target, chosen at compile time (fuzz/CMakeLists.txt builds one program
// per entry of kTargets with BITSWITCH_FUZZ_TARGET set to its index).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    bitswitch::fuzz::set_tokenizer_dir(BITSWITCH_TOKENIZER_DIR);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    bitswitch::fuzz::kTargets[BITSWITCH_FUZZ_TARGET].run(
        std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
