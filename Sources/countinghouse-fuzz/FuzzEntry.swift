// The fuzz harness: libFuzzer's entry point over ingest's readers (issue 14 §5).
//
// Place in the project: not part of the program. The target exists only in a manifest read with
// COUNTINGHOUSE_FUZZ=1 and links only with `-sanitize=fuzzer` (main.swift hands the command line to
// libFuzzer's driver), so `swift build` and `swift test` never see it; `make fuzz` builds it into
// `.build-fuzz` and runs each entry point for a bounded time on a copy of its corpus under
// `Tests/Fuzz/<target>/`.
// The entry point is chosen by COUNTINGHOUSE_FUZZ_TARGET:
// - `csv`: the CSV reader (CSVReader.swift and its fast scanner, FastCSVScan.swift), read with a
//   small chunk size chosen by the input, against the slow RFC 4180 parser of the tests
//   (SlowCSV.swift, linked here): the same records, fields, problems and ends.
// - `fields`: the fast field parsers (FastFieldParsing.swift: money, whole and line numbers, dates,
//   timestamps alone and through the date memo) against the tests' slow ones (SlowFields.swift,
//   linked here).
// - `validate`: whole files through `FileIngestor.validate` (header detection, every canonical
//   kind's row validator with its fast field parsers and row slots, and the vendor readers), read
//   in one chunk and in chunks of a few bytes (the outcomes must be equal), and with a small
//   record limit.
// - `stripe`, `adyen`, `square`: the input is the rows of a vendor export; each of the vendor's
//   headers (Stripe itemized and payouts, Adyen, Square Items Detail and Transactions) is put in
//   front of it, so the mutations go to the vendor readers' rows rather than to their headers.
// Properties (a violation traps, which libFuzzer reports as a crash with the input): no crash, no
// hang (libFuzzer's -timeout), no NUL byte in an accepted value, a rejection has at least one
// error, and every error names the file, a row (only "the file is empty", "stopped after N errors"
// and read failures are about the whole file) between 1 and the number of lines, and a non-empty
// reason; an error showing a value names its column.

import CountinghouseCore
@testable import CountinghouseIngest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The entry point this process fuzzes, read once.
let fuzzTarget: String = {
    guard let name = getenv("COUNTINGHOUSE_FUZZ_TARGET").map({ String(cString: $0) }),
        ["csv", "fields", "validate", "stripe", "adyen", "square"].contains(name)
    else {
        writeToStandardError("set COUNTINGHOUSE_FUZZ_TARGET to csv, fields, validate, stripe, adyen or square\n")
        exit(2)
    }
    return name
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    switch fuzzTarget {
    case "csv": fuzzCSVReader(input)
    case "fields": fuzzFieldParsers(input)
    case "validate": fuzzValidation(input)
    case "stripe": fuzzVendorRows(input, headers: VendorHeaders.stripe)
    case "adyen": fuzzVendorRows(input, headers: VendorHeaders.adyen)
    default: fuzzVendorRows(input, headers: VendorHeaders.square)
    }
    return 0
}

/// Stops the process with what was broken; libFuzzer saves the input that did it.
func violated(_ property: String, _ detail: @autoclosure () -> String) -> Never {
    writeToStandardError("fuzz property violated: \(property)\n\(detail())\n")
    fatalError(property)
}

func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
