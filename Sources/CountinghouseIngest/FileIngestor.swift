// The ingest library's public face: check a file, then stream its rows into a store.
//
// Place in the pipeline: the CLI's `ingest` command calls `check` on every file (pass 1: stream,
// detect or check the kind, validate every row, hash the bytes), reports every bad row of the bad
// files, and for each valid file opens a store transaction and calls `forEachRow` (pass 2: stream
// again, hand over each row in file order). Rows are never held in memory for a whole file, so a
// multi-gigabyte file costs one buffer plus its natural keys (collected as bytes, compared by one
// sort once the file is read, so in-file duplicate errors are merged into row order at the end).
// A large file (not transfers) is checked by two threads, each a half split at a line break
// between records; their errors and keys are joined in row order, so the outcome is one pass's.
// A vendor export (Stripe, Adyen, Square: FORMATS §3) is recognised by its header and read in one
// pass by a `VendorReader`, which maps each vendor row onto canonical records for the same
// `RowValidator` (VendorReader.swift).
// Invariants: a file is valid only when no row has an error; pass 2 yields exactly the rows pass 1
// validated, or throws (the file changed, or a row no longer validates) so the caller rolls back.
// Errors a user can see: every `RowError` of the validator and the header, "cannot read the file:
// <system message>", "the file changed between checking and loading (sha256 was X, now Y)", and
// "stopped after 100000 errors" when a file is hopeless.

import CountinghouseCore
import Dispatch

public struct IngestSettings: Sendable {
    /// The ledger's one currency (ISO 4217); amounts in any other are row errors.
    public var functionalCurrency: String
    /// The chain's location codes (the configuration's `[[locations]]`): a `location`,
    /// `from_location` or `to_location` naming any other code is a row error, reported with the
    /// file's other row errors. Empty: any location is accepted.
    public var locationCodes: [String]
    /// The vendor readers' settings (FORMATS §3.0's configuration).
    public var vendors: VendorConfiguration

    public init(functionalCurrency: String = "USD", locationCodes: [String] = [], vendors: VendorConfiguration = VendorConfiguration()) {
        self.functionalCurrency = functionalCurrency
        self.locationCodes = locationCodes
        self.vendors = vendors
    }
}

/// What pass 1 learned about a valid file.
public struct ValidFile: Sendable, Hashable {
    public var kind: LedgerKind
    /// Lower-case hex sha256 of the file's bytes.
    public var sha256: String
    public var byteCount: Int64
    /// Data rows (records after the header, blank lines not counted).
    public var rowCount: Int

    public init(kind: LedgerKind, sha256: String, byteCount: Int64, rowCount: Int) {
        self.kind = kind
        self.sha256 = sha256
        self.byteCount = byteCount
        self.rowCount = rowCount
    }
}

public enum FileCheck: Sendable {
    case valid(ValidFile)
    /// The kind when the header told it, and every error found.
    case invalid(kind: LedgerKind?, errors: [RowError])
}

/// A file that cannot be ingested: its kind (when known) and every error, in file order.
public struct IngestFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var kind: LedgerKind?
    public var errors: [RowError]

    public init(kind: LedgerKind?, errors: [RowError]) {
        self.kind = kind
        self.errors = errors
    }

    /// One error per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

public struct FileIngestor: Sendable {
    public let settings: IngestSettings
    /// Bytes read per read(2); tests make it tiny to put chunk boundaries everywhere.
    var chunkSize: Int = 1 << 20
    /// The longest record the reader buffers; a longer one ends the file with an error. Tests make
    /// it small.
    var maximumRecordBytes: Int = CSVReader<MemorySource>.defaultMaximumRecordBytes
    /// A file with this many errors stops being read: the user has enough to go on.
    var maximumErrorCount = 100_000

    public init(settings: IngestSettings) {
        self.settings = settings
    }

    /// Pass 1: streams the file once, detects (or checks) the kind, validates every row, hashes the
    /// bytes. Never throws for bad content; an unreadable file is `.invalid` with a file-level
    /// error (row nil).
    public func check(path: String, displayName: String, kind: LedgerKind?) -> FileCheck {
        do {
            if let outcome = try checkInTwoHalves(path: path, displayName: displayName, kind: kind) { return outcome.check }
            let source = try FileDescriptorSource.open(path: path)
            defer { source.close() }
            let outcome = try run(source: source, displayName: displayName, kind: kind, stopAtFirstError: false, emitsRows: false) { _ in }
            return outcome.check
        } catch let failure as ReadFailure {
            return .invalid(kind: kind, errors: [unreadable(displayName, failure)])
        } catch {
            return .invalid(kind: kind, errors: [RowError(file: displayName, row: nil, reason: "\(error)")])
        }
    }

    /// Pass 2: streams the file again and hands each validated row to `body` in file order. Throws
    /// `IngestFailure` if the file's sha256 is no longer `expected.sha256` (the file changed
    /// between passes) or a row fails validation, and rethrows what `body` throws: the caller is
    /// inside a store transaction and rolls back.
    public func forEachRow(
        path: String, displayName: String, expected: ValidFile, _ body: (LedgerRow) throws -> Void
    ) throws {
        let source: FileDescriptorSource
        do {
            source = try FileDescriptorSource.open(path: path)
        } catch {
            throw IngestFailure(kind: expected.kind, errors: [unreadable(displayName, error)])
        }
        defer { source.close() }
        let outcome: RunOutcome
        do {
            outcome = try run(
                source: source, displayName: displayName, kind: expected.kind, stopAtFirstError: true, emitsRows: true, emit: body)
        } catch let failure as ReadFailure {
            throw IngestFailure(kind: expected.kind, errors: [unreadable(displayName, failure)])
        }
        if !outcome.errors.isEmpty { throw IngestFailure(kind: outcome.kind, errors: outcome.errors) }
        if outcome.tally.sha256Hex != expected.sha256 {
            throw IngestFailure(
                kind: expected.kind,
                errors: [
                    RowError(
                        file: displayName, row: nil,
                        reason:
                            "the file changed between checking and loading (sha256 was \(expected.sha256), now \(outcome.tally.sha256Hex))"
                    )
                ])
        }
    }

    /// Validates in-memory bytes (tests and generated data) by the same rules; returns the rows in
    /// file order, or every error.
    public func validate(bytes: [UInt8], displayName: String, kind: LedgerKind?) -> Result<
        (ValidFile, [LedgerRow]), IngestFailure
    > {
        var rows: [LedgerRow] = []
        do {
            let outcome = try run(
                source: MemorySource(bytes: bytes), displayName: displayName, kind: kind, stopAtFirstError: false,
                emitsRows: true
            ) { rows.append($0) }
            switch outcome.check {
            case .valid(let file): return .success((file, rows))
            case .invalid(let kind, let errors): return .failure(IngestFailure(kind: kind, errors: errors))
            }
        } catch {
            // Memory cannot fail to read and the body above does not throw.
            return .failure(IngestFailure(kind: kind, errors: [RowError(file: displayName, row: nil, reason: "\(error)")]))
        }
    }

    private func unreadable(_ displayName: String, _ failure: ReadFailure) -> RowError {
        RowError(file: displayName, row: nil, reason: "cannot read the file: \(failure.message)")
    }

    struct RunOutcome {
        var kind: LedgerKind?
        var tally: ByteTally
        var rowCount: Int
        var errors: [RowError]
        /// The reading ended early (the header rejected the file, or too many errors).
        var stoppedReading = false
        /// Set when the reader stopped parsing at its parse limit: then the errors lack the
        /// in-file duplicates (the other half's keys are needed) and `validator` holds the keys.
        var stoppedAtParseLimit = false
        /// Records read (blank lines included): the number of the last record parsed.
        var recordCount = 0
        var validator: RowValidator?
        /// 2 when two threads checked the file, each a half (tests see the split was used).
        var halves = 1

        var check: FileCheck {
            if let kind, errors.isEmpty {
                return .valid(ValidFile(kind: kind, sha256: tally.sha256Hex, byteCount: tally.byteCount, rowCount: rowCount))
            }
            return .invalid(kind: kind, errors: errors)
        }
    }

    /// Ends the reading early (a header that rejects the file, or too many errors).
    private struct StopReading: Error {}

    /// Streams `source` once: header, then every record through the validator. `emit` sees each
    /// valid row while the file has had no error (rows after an error could never land anyway).
    func run<Source: ByteSource>(
        source: Source, displayName: String, kind requestedKind: LedgerKind?, stopAtFirstError: Bool,
        emitsRows: Bool, parseLimit: Int64 = .max, expectedBytes: Int64 = 0, emit: (LedgerRow) throws -> Void
    ) throws -> RunOutcome {
        var reader = CSVReader(source: source, chunkSize: chunkSize, maximumRecordBytes: maximumRecordBytes)
        reader.parseLimit = parseLimit
        var validator: RowValidator?
        var vendorReader: VendorReader?
        var kind = requestedKind
        var errors: [RowError] = []
        var rowCount = 0
        var sawHeader = false
        let tally: ByteTally
        do {
            tally = try reader.forEachRecord { record in
                guard sawHeader else {
                    sawHeader = true
                    switch readHeader(record, displayName: displayName, requestedKind: requestedKind) {
                    case .success(let (headerKind, header, names)):
                        kind = headerKind
                        if let format = header.vendor {
                            vendorReader = VendorReader(
                                format: format, header: header.columns, rawNames: header.rawNames, file: displayName,
                                settings: settings)
                            return
                        }
                        validator = RowValidator(
                            kind: headerKind, header: header.columns, headerNames: names, file: displayName,
                            settings: settings)
                        if expectedBytes > 0 { validator!.reserveKeyCapacity(forRowBytes: expectedBytes) }
                        return
                    case .failure(let failure):
                        kind = failure.kind
                        errors = failure.errors
                        throw StopReading()
                    }
                }
                if vendorReader != nil {
                    // A vendor row of empty fields (`,,,`) is a blank line, wherever it is.
                    if VendorReader.isBlank(record) { return }
                    rowCount += 1
                    let valid = try vendorReader!.read(record, errors: &errors, emitting: errors.isEmpty && emitsRows, emit: emit)
                    if !valid && stopAtFirstError { throw StopReading() }
                    if !valid && errors.count >= maximumErrorCount {
                        errors.append(RowError(file: displayName, row: nil, reason: "stopped after \(errors.count) errors"))
                        throw StopReading()
                    }
                    return
                }
                rowCount += 1
                let valid = validator!.validate(record, errors: &errors)
                if valid {
                    if errors.isEmpty && emitsRows {
                        try emit(validator!.row(sourceRow: record.number))
                    }
                } else if stopAtFirstError {
                    throw StopReading()
                } else if errors.count >= maximumErrorCount {
                    errors.append(RowError(file: displayName, row: nil, reason: "stopped after \(errors.count) errors"))
                    throw StopReading()
                }
            }
        } catch is StopReading {
            return RunOutcome(kind: kind, tally: ByteTally(), rowCount: rowCount, errors: errors, stoppedReading: true)
        }
        if !sawHeader {
            errors.append(RowError(file: displayName, row: nil, reason: "the file is empty (no header row)"))
        }
        if reader.stoppedAtParseLimit {
            return RunOutcome(
                kind: kind, tally: tally, rowCount: rowCount, errors: errors, stoppedAtParseLimit: true,
                recordCount: reader.recordCount, validator: validator)
        }
        if let validator = validator ?? vendorReader?.validator { errors = mergingDuplicates(of: validator, into: errors) }
        return RunOutcome(kind: kind, tally: tally, rowCount: rowCount, errors: errors)
    }

    /// `errors` with the in-file duplicate keys' errors merged in row order (keys are compared once
    /// the file is read).
    private func mergingDuplicates(of validator: RowValidator, into errors: [RowError]) -> [RowError] {
        let duplicates = validator.duplicateKeyErrors()
        if duplicates.isEmpty { return errors }
        return (errors + duplicates).enumerated().sorted { left, right in
            (left.element.row ?? Int.max, left.offset) < (right.element.row ?? Int.max, right.offset)
        }.map(\.element)
    }

    // MARK: Checking a file in two halves

    /// Files at least this long are checked in two halves on two threads; tests lower it.
    var twoHalvesMinimumBytes: Int64 = 8 << 20
    /// Where the search for the split's line break starts, instead of near the middle (tests try
    /// every position).
    var splitSearchStart: Int64?

    /// What the second half's thread found: errors and records numbered from the split (its first
    /// record is 1), and its keys in its validator.
    private struct SecondHalf {
        var errors: [RowError] = []
        var rowCount = 0
        var validator: RowValidator
    }

    /// The two threads' results, each written by its own iteration only, and the second thread's
    /// validator (made here, used there alone).
    private final class HalfResults: @unchecked Sendable {
        var first: Result<RunOutcome, ReadFailure>?
        var second: Result<SecondHalf, ReadFailure>?
        let secondValidator: RowValidator

        init(secondValidator: RowValidator) { self.secondValidator = secondValidator }
    }

    /// Pass 1 on two cores: the first thread checks the file up to a line break near the middle
    /// (then only hashes the rest, since sha256 cannot be split), the second checks from that line
    /// break to the end with its own validator; the halves' errors and keys are then joined in row
    /// order, so the errors and their order are those of one pass. A line break found by position
    /// may lie inside a quoted field: the first thread sees it (no record of its own ends there),
    /// drops the split and checks the whole file itself, and the second half is discarded.
    /// Returns nil when the file is not split: too small, an unreadable or rejected header (one
    /// pass words it), or transfers (rows there are checked against earlier rows of the file).
    func checkInTwoHalves(path: String, displayName: String, kind requestedKind: LedgerKind?) throws(ReadFailure)
        -> RunOutcome?
    {
        let probe = try FileDescriptorSource.open(path: path)
        defer { probe.close() }
        let size = try probe.size()
        guard size >= twoHalvesMinimumBytes, size > 0 else { return nil }

        // The header, read on its own so that the second thread can validate from the start.
        var headerReader = CSVReader(source: probe, chunkSize: min(chunkSize, 1 << 16))
        var header: (kind: LedgerKind, columns: HeaderColumns, names: [String], end: Int64)?
        struct HeaderRead: Error {}
        do {
            _ = try headerReader.forEachRecord { record in
                // A vendor file is read in one pass: its rows number lines and repeats across the file.
                if case .success(let (kind, read, names)) = readHeader(record, displayName: displayName, requestedKind: requestedKind),
                    read.vendor == nil
                {
                    header = (kind, read.columns, names, record.end)
                }
                throw HeaderRead()
            }
        } catch is HeaderRead {
        } catch {
            return nil
        }
        guard let header, header.kind != .transfers else { return nil }

        // The first line break at or after the split point. The first thread also hashes the second
        // half, so it gets a little less than half of the parsing.
        let searchStart = max(header.end, splitSearchStart ?? size * 47 / 100)
        let windowSize = 1 << 16
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: windowSize, alignment: 8)
        defer { window.deallocate() }
        let windowCount = try probe.read(into: window, at: searchStart)
        guard let lineBreak = window[..<windowCount].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let split = searchStart + Int64(lineBreak) + 1
        guard split < size else { return nil }

        let results = HalfResults(
            secondValidator: RowValidator(
                kind: header.kind, header: header.columns, headerNames: header.names, file: displayName,
                settings: settings))
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            if half == 0 {
                results.first = Result { () throws(ReadFailure) -> RunOutcome in
                    let source = try FileDescriptorSource.open(path: path)
                    defer { source.close() }
                    do {
                        let outcome = try run(
                            source: source, displayName: displayName, kind: requestedKind, stopAtFirstError: false,
                            emitsRows: false, parseLimit: split, expectedBytes: split
                        ) { _ in }
                        // The join's duplicate check needs each half's hashes sorted: sorted here,
                        // both halves' at once.
                        if outcome.stoppedAtParseLimit { outcome.validator?.sortKeyHashes() }
                        return outcome
                    } catch let failure as ReadFailure {
                        throw failure
                    } catch {
                        preconditionFailure("checking a file threw \(error)")
                    }
                }
            } else {
                results.second = Result { () throws(ReadFailure) -> SecondHalf in
                    let source = try FileDescriptorSource.open(path: path)
                    defer { source.close() }
                    try source.seek(to: split)
                    results.secondValidator.reserveKeyCapacity(forRowBytes: size - split)
                    let half = try checkSecondHalf(source: source, validator: results.secondValidator)
                    half.validator.sortKeyHashes()
                    return half
                }
            }
        }
        let first = try results.first!.get()
        // A file the first half rejected alone, or one without a record boundary at the split (the
        // first thread then checked all of it): the first thread's outcome is the whole answer.
        if !first.stoppedAtParseLimit { return first }
        guard case .success(let second) = results.second!, let validator = first.validator else { return nil }

        // Join the halves: the second half's rows are numbered after the first half's records.
        let rowOffset = first.recordCount
        var errors = first.errors
        var index = 0
        while index < second.errors.count {
            // One row's errors at a time: one pass stops after the row that reaches the maximum.
            let row = second.errors[index].row
            while index < second.errors.count && second.errors[index].row == row {
                errors.append(renumbered(second.errors[index], by: rowOffset))
                index += 1
            }
            if errors.count >= maximumErrorCount {
                errors.append(RowError(file: displayName, row: nil, reason: "stopped after \(errors.count) errors"))
                return RunOutcome(
                    kind: first.kind, tally: ByteTally(), rowCount: first.rowCount, errors: errors, stoppedReading: true,
                    halves: 2)
            }
        }
        validator.appendKeys(of: second.validator, rowOffset: rowOffset)
        errors = mergingDuplicates(of: validator, into: errors)
        return RunOutcome(
            kind: first.kind, tally: first.tally, rowCount: first.rowCount + second.rowCount, errors: errors, halves: 2)
    }

    /// Validates the records of a source that starts just after a line break mid-file (no header,
    /// no byte-order mark); stops once it holds `maximumErrorCount` errors.
    private func checkSecondHalf(source: FileDescriptorSource, validator: RowValidator) throws(ReadFailure) -> SecondHalf {
        var reader = CSVReader(source: source, chunkSize: chunkSize, maximumRecordBytes: maximumRecordBytes)
        reader.skipsByteOrderMark = false
        var half = SecondHalf(validator: validator)
        do {
            _ = try reader.forEachRecord { record in
                half.rowCount += 1
                if !half.validator.validate(record, errors: &half.errors) && half.errors.count >= maximumErrorCount {
                    throw StopReading()
                }
            }
        } catch let failure as ReadFailure {
            throw failure
        } catch {
            // Too many errors: the join stops at the same row as one pass would.
        }
        return half
    }

    private func renumbered(_ error: RowError, by offset: Int) -> RowError {
        RowError(file: error.file, row: error.row.map { $0 + offset }, column: error.column, value: error.value, reason: error.reason)
    }

    /// What a header row gave: its columns, the fields as written (trimmed), and the vendor format
    /// it announced, if any.
    struct ReadHeader {
        var columns: HeaderColumns
        var rawNames: [String]
        var vendor: VendorFormat?
    }

    /// The header record to the file's kind and columns, or the errors that reject the file.
    private func readHeader(_ record: CSVRecord, displayName: String, requestedKind: LedgerKind?) -> Result<
        (LedgerKind, ReadHeader, [String]), IngestFailure
    > {
        let row = record.number
        if let problem = record.problem {
            return .failure(
                IngestFailure(kind: requestedKind, errors: [RowError(file: displayName, row: row, reason: problem.reason)]))
        }
        // A header in UTF-16, with NUL bytes or not UTF-8 is worded by what to do about the file.
        if let reason = headerEncodingProblem((0..<record.fieldCount).map(record.bytes)) {
            return .failure(IngestFailure(kind: requestedKind, errors: [RowError(file: displayName, row: row, reason: reason)]))
        }
        var names: [String] = []
        var rawNames: [String] = []
        for index in 0..<record.fieldCount {
            let bytes = record.bytes(index)
            names.append(HeaderColumns.normalise(String(decoding: bytes, as: UTF8.self)))
            rawNames.append(String(decoding: trimmed(bytes), as: UTF8.self))
        }
        let header = HeaderColumns(names: names)
        let format: HeaderFormat
        switch HeaderFormat.detect(header, rawNames: rawNames, requestedKind: requestedKind) {
        case .success(let detected): format = detected
        case .failure(let problem):
            return .failure(
                IngestFailure(kind: requestedKind, errors: [RowError(file: displayName, row: row, reason: problem.reason)]))
        }
        let kind = format.kind
        let problems = format.vendor.map { header.problems(for: $0, file: displayName) } ?? header.problems(for: kind, file: displayName)
        if !problems.isEmpty { return .failure(IngestFailure(kind: kind, errors: problems)) }
        return .success((kind, ReadHeader(columns: header, rawNames: rawNames, vendor: format.vendor), names))
    }
}

