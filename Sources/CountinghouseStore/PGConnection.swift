// The only place that touches libpq's `PGconn*` and `PGresult*`.
//
// Place in the pipeline: `PostgresStore` runs its SQL through these classes. A `PGConnection` owns
// the connection and finishes it in deinit; a `PGResult` owns a result and clears it in deinit;
// `copyIn` streams COPY … FROM STDIN data in text format through `PGCopyWriter`, which escapes
// values and sends them in messages of 32 KiB (no round trip per row). Invariant: no pointer leaves
// this file; server notices are swallowed (the store reports what matters as errors).
// Errors a user can see: failures become typed errors here (`failure`): a server that cannot be
// reached, or a connection lost mid-run (PQstatus CONNECTION_BAD after a failed call, or an
// SQLSTATE of class 08 or 57P0x), is `StoreError.unreachable`; a database that does not exist is
// `StoreError.ledgerMissing(.noDatabase)`; SQLSTATE 55P03 (a lock not obtained within
// lock_timeout, or NOWAIT) is `StoreError.busy`; 25006 (a read-only transaction or server) and
// 42501 (a right the role lacks: the writer role of `init --roles` doing the owner's work) are
// `StoreError.readOnly`; any other is `StoreError.sql` (the statement and the server's message).
// Passwords never appear in a message (`redactPassword`).
import CLibPQ
import CountinghouseCore

final class PGConnection {
    private let handle: OpaquePointer
    /// The locator with its password redacted, as errors name the ledger.
    let locator: String
    /// The lock_timeout the store's writers wait with (`StoreError.busy` reports it).
    var busyTimeoutMilliseconds: Int = 0

    init(conninfo: String) throws {
        locator = redactPassword(conninfo)
        guard let connection = PQconnectdb(conninfo) else {
            throw StoreError.cannotOpen("libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingSpaces
            // The server says so in its own words (English unless lc_messages says otherwise; then
            // the failure is reported as unreachable, with the server's message).
            let database = PQdb(connection).map { String(cString: $0) } ?? ""
            PQfinish(connection)
            if !database.isEmpty && message.contains("database \"\(database)\" does not exist") {
                throw StoreError.ledgerMissing(ledger: locator, reason: .noDatabase)
            }
            throw StoreError.unreachable(
                ledger: locator,
                detail: "cannot connect (\(message)). Check that the server is running and accepting connections "
                    + "there (is the server running? host or socket directory, port), and that the database, user "
                    + "and password in the locator are right")
        }
        handle = connection
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    /// The typed error of a failed call (`result` is its result, when libpq gave one).
    private func failure(sql: String, result: OpaquePointer?) -> StoreError {
        let message = result.map { String(cString: PQresultErrorMessage($0)).trimmingSpaces } ?? ""
        let shown = message.isEmpty ? lastError : message
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        if PQstatus(handle) == CONNECTION_BAD || state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
            if sql.trimmingSpaces.uppercased() == "COMMIT" {
                // The server may have committed before the connection went: the outcome is unknown.
                return .unreachable(
                    ledger: locator,
                    detail: "the connection was lost while committing (\(shown)); whether the change was kept is "
                        + "unknown. Run the command again once the server is back: a file already in the ledger is "
                        + "skipped as already ingested, a cost refresh redoes only what is missing")
            }
            return .unreachable(
                ledger: locator,
                detail: "the connection was lost mid-run (\(shown)); the server rolled back the open transaction, "
                    + "so nothing of it was kept. Run the command again once the server is back")
        }
        switch state {
        case "55P03":
            return .busy(ledger: locator, waitedSeconds: Double(busyTimeoutMilliseconds) / 1000)
        case "25006":
            return .readOnly(
                ledger: locator,
                detail: "the server refused to write (\(shown)); it is a standby, or the database or user has "
                    + "default_transaction_read_only on")
        case "42501":
            // insufficient_privilege: the writer role of `init --roles` asked to do the owner's work.
            return .readOnly(
                ledger: locator,
                detail: "the server refused for want of rights (\(shown)); the writer role of `countinghouse init --roles` "
                    + "may only read, append to what was recorded and rewrite the cost cache: upgrading the schema, "
                    + "restoring triggers and setting up roles are the owner's (run `countinghouse init` as the owner role)")
        default:
            return .sql(statement: sql, message: shown)
        }
    }

    /// The result of a call, or its typed error (the result cleared).
    private func checked(_ raw: OpaquePointer?, sql: String) throws -> PGResult {
        guard let raw else { throw failure(sql: sql, result: nil) }
        let status = PQresultStatus(raw)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let error = failure(sql: sql, result: raw)
            PQclear(raw)
            throw error
        }
        return PGResult(raw)
    }

    deinit { PQfinish(handle) }

    private var lastError: String { String(cString: PQerrorMessage(handle)).trimmingSpaces }

    /// Runs SQL (possibly several statements) and returns the last result.
    @discardableResult
    func execute(_ sql: String) throws -> PGResult {
        try checked(PQexec(handle, sql), sql: sql)
    }

    /// Runs one statement with text parameters ($1, $2, …; nil is NULL).
    @discardableResult
    func query(_ sql: String, _ parameters: [String?]) throws -> PGResult {
        // Keep every parameter's C string alive for the call.
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdupSwift($0) } }
        defer { for pointer in cStrings { pointer?.deallocate() } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        let raw = pointers.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        return try checked(raw, sql: sql)
    }

    /// Runs one statement with text parameters and hands its rows to `body` one at a time, each as
    /// a result of one row (libpq's single-row mode): the rows never sit in memory together, as they
    /// do in the result of `query`. When `body` throws, the rest of the rows are read and dropped
    /// (the connection is then ready for the next statement) and the error rethrown.
    func streamQuery(_ sql: String, _ parameters: [String?], _ body: (PGResult) throws -> Void) throws {
        let cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdupSwift($0) } }
        defer { for pointer in cStrings { pointer?.deallocate() } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        let sent = pointers.withUnsafeBufferPointer { buffer in
            PQsendQueryParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard sent == 1 else { throw failure(sql: sql, result: nil) }
        if PQsetSingleRowMode(handle) != 1 {
            drainResults()
            throw failure(sql: sql, result: nil)
        }
        var error: Error?
        while let raw = PQgetResult(handle) {
            let status = PQresultStatus(raw)
            if error != nil {
                PQclear(raw)
                continue
            }
            switch status {
            case PGRES_SINGLE_TUPLE:
                // PGResult clears it when dropped, after the body.
                do { try body(PGResult(raw)) } catch let thrown { error = thrown }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                PQclear(raw)
            default:
                error = failure(sql: sql, result: raw)
                PQclear(raw)
            }
        }
        if let error { throw error }
    }

    /// Runs `COPY … FROM STDIN` (text format) and feeds it what `body` writes. If `body` throws, the
    /// COPY is aborted and the error rethrown (the caller rolls back).
    func copyIn(_ sql: String, _ body: (inout PGCopyWriter) throws -> Void) throws {
        guard let start = PQexec(handle, sql) else { throw failure(sql: sql, result: nil) }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            let error = failure(sql: sql, result: start)
            PQclear(start)
            throw error
        }
        PQclear(start)
        var writer = PGCopyWriter(connection: self)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            _ = PQputCopyEnd(handle, "aborted by countinghouse")
            drainResults()
            throw error
        }
        if PQputCopyEnd(handle, nil) != 1 { throw failure(sql: sql, result: nil) }
        var error: StoreError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK && error == nil { error = failure(sql: sql, result: result) }
            PQclear(result)
        }
        if let error { throw error }
    }

    fileprivate func putCopyData(_ bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
            }
        }
        if status != 1 { throw failure(sql: "COPY data", result: nil) }
    }

    private func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}

/// Copies a Swift string into a NUL-terminated buffer the caller deallocates.
private func strdupSwift(_ text: String) -> UnsafeMutablePointer<CChar> {
    let utf8 = Array(text.utf8CString)
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
    pointer.initialize(from: utf8, count: utf8.count)
    return pointer
}

/// A locator with any password replaced by `***`, fit for an error message. libpq reads the
/// locator (`PQconninfoParse`), so every form it accepts is covered: a URL's user info, a URL's
/// `?password=`, `password=x`, `password = 'a b'`. A URL keeps its form when its only password is
/// in the user info; otherwise the locator is shown as libpq's settings, the password as `***`. A
/// locator libpq cannot read is shown as `(a connection string libpq cannot read)`.
func redactPassword(_ locator: String) -> String {
    guard let settings = connectionSettings(locator) else { return "(a connection string libpq cannot read)" }
    guard settings.contains(where: { $0.keyword == "password" }) else { return locator }
    if let scheme = locator.range(of: "://") {
        let rest = locator[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            let redacted = String(locator[..<rest.index(after: colon)]) + "***" + String(locator[at...])
            if connectionSettings(redacted)?.first(where: { $0.keyword == "password" })?.value == "***" { return redacted }
        }
    }
    return settings.map { setting in
        setting.keyword == "password" ? "password=***" : "\(setting.keyword)=\(quotedSetting(setting.value))"
    }.joined(separator: " ")
}

/// The settings a locator gives libpq (keyword and value, in libpq's order), or nil when libpq
/// cannot read it.
private func connectionSettings(_ locator: String) -> [(keyword: String, value: String)]? {
    var message: UnsafeMutablePointer<CChar>?
    guard let options = PQconninfoParse(locator, &message) else {
        if let message { PQfreemem(message) }
        return nil
    }
    defer { PQconninfoFree(options) }
    var settings: [(keyword: String, value: String)] = []
    var option = options
    while let keyword = option.pointee.keyword {
        if let value = option.pointee.val { settings.append((String(cString: keyword), String(cString: value))) }
        option += 1
    }
    return settings
}

/// A setting's value as a key=value connection string writes it: quoted when it holds a space, a
/// quote or a backslash, or is empty.
private func quotedSetting(_ value: String) -> String {
    guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
    return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
}

/// Text-format COPY data, buffered and sent in messages of about 32 KiB.
///
/// Why 32 KiB: the server reads a CopyData message whole before it parses a row of it. A message
/// larger than the socket's buffer (256 KiB, before) made the client wait while the server read it,
/// and the server wait while the client wrote the next: a million-row COPY took twice as long as
/// with 8–32 KiB messages, which let each side work while the other does (docs/SCALING.md).
struct PGCopyWriter {
    private let connection: PGConnection
    private var buffer: [UInt8] = []
    private static let chunk = 1 << 15

    fileprivate init(connection: PGConnection) {
        self.connection = connection
        buffer.reserveCapacity(PGCopyWriter.chunk + 4096)
    }

    /// Appends one field (a tab before every field but the first of a line is the caller's job
    /// through `separator()`).
    mutating func field(_ value: FieldValue) {
        switch value {
        case .null:
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
        case .integer(let number):
            appendDecimal(number, to: &buffer)
        case .text(let text):
            field(text)
        }
    }

    mutating func field(_ number: Int64) { appendDecimal(number, to: &buffer) }

    /// A text field, escaped for COPY's text format.
    mutating func field(_ text: String) {
        var text = text
        text.withUTF8 { field(bytes: $0) }
    }

    /// A text field given as UTF-8 bytes, escaped for COPY's text format.
    mutating func field(bytes: some Collection<UInt8>) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
        }
    }

    /// A digest as lowercase hex (never needs escaping).
    mutating func hexField(_ digest: [UInt8]) { HashChain.appendHex(digest, to: &buffer) }

    mutating func separator() { buffer.append(UInt8(ascii: "\t")) }

    /// Ends a line, sending the buffer when it is full.
    mutating func endLine() throws {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= PGCopyWriter.chunk { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try connection.putCopyData(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

final class PGResult {
    private let handle: OpaquePointer

    /// Takes ownership of a successful result (`PGConnection.checked` made sure of it).
    fileprivate init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { PQclear(handle) }

    var rowCount: Int { Int(PQntuples(handle)) }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    func text(_ row: Int, _ column: Int) -> String {
        String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// An integer column (text format) without building a String. A value that is not a 64-bit
    /// integer (a sum past 64 bits, which PostgreSQL computes as `numeric`) is an error, never a
    /// wrapped number.
    func int64(_ row: Int, _ column: Int) throws(StoreError) -> Int64 {
        guard let start = PQgetvalue(handle, Int32(row), Int32(column)) else { return 0 }
        var pointer = start
        var negative = false
        if pointer.pointee == CChar(UInt8(ascii: "-")) {
            negative = true
            pointer += 1
        }
        // Accumulated negatively, so Int64.min reads too.
        var value: Int64 = 0
        var digits = 0
        while pointer.pointee >= CChar(UInt8(ascii: "0")) && pointer.pointee <= CChar(UInt8(ascii: "9")) {
            let (times10, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = times10.subtractingReportingOverflow(Int64(pointer.pointee - CChar(UInt8(ascii: "0"))))
            guard !overflowA && !overflowB else { throw notAnInteger(start) }
            value = next
            digits += 1
            pointer += 1
        }
        guard digits > 0, pointer.pointee == 0 else { throw notAnInteger(start) }
        if negative { return value }
        guard value != .min else { throw notAnInteger(start) }
        return -value
    }

    private func notAnInteger(_ text: UnsafePointer<CChar>) -> StoreError {
        .sql(statement: "", message: "the server returned \(String(cString: text)) where a 64-bit integer was expected")
    }

    func value(_ row: Int, _ column: Int, integer: Bool) throws(StoreError) -> FieldValue {
        if isNull(row, column) { return .null }
        return integer ? .integer(try int64(row, column)) : .text(text(row, column))
    }
}
