// The harness's `main`: SwiftPM gives every executable one on Linux (and links `main` to it), so
// libFuzzer's own `main` is not used; this hands the command line to libFuzzer's driver, with the
// entry point of FuzzEntry.swift.

import CFuzzerDriver

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

var argumentCount = CommandLine.argc
var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &arguments, fuzzOneInput))
