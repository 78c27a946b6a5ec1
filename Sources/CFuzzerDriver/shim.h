// libFuzzer's driver, for a fuzz target that has its own `main` (SwiftPM gives every executable
// one on Linux, so libFuzzer's own cannot be used): in libclang_rt.fuzzer, linked by
// -sanitize=fuzzer. Only the fuzz harness (Sources/countinghouse-fuzz) imports this.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
