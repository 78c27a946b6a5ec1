// The only place that touches libpq's `PGconn*` and `PGresult*`.
//
// Place in the pipeline: `PostgresStore` runs its SQL through these classes. A `PGConnection` owns
// the connection and finishes it in deinit; a `PGResult` owns a result and clears it in deinit;
// `copyIn` streams COPY … FROM STDIN data in text format through `PGCopyWriter`, which escapes
// values and sends them in large chunks (no round trip per row). Invariant: no pointer leaves this
// file; server notices are swallowed (the store reports what matters as errors).
// Errors a user can see: `StoreError.cannotOpen` (server unreachable, with what to check) and
// `StoreError.sql` (the statement and the server's message).
import CLibPQ
import CountinghouseCore

final class PGConnection {
    private let handle: OpaquePointer

    init(conninfo: String) throws {
        guard let connection = PQconnectdb(conninfo) else {
            throw StoreError.cannotOpen("libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingSpaces
            PQfinish(connection)
            throw StoreError.cannotOpen(
                "cannot connect to PostgreSQL at \(redactPassword(conninfo)): \(message). Check that the "
                    + "server is running and accepting connections there (is the server running? host or socket "
                    + "directory, port), and that the database, user and password in the locator are right")
        }
        handle = connection
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    private var lastError: String { String(cString: PQerrorMessage(handle)).trimmingSpaces }

    /// Runs SQL (possibly several statements) and returns the last result.
    @discardableResult
    func execute(_ sql: String) throws -> PGResult {
        guard let raw = PQexec(handle, sql) else { throw StoreError.sql(statement: sql, message: lastError) }
        return try PGResult(raw, sql: sql)
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
        guard let raw else { throw StoreError.sql(statement: sql, message: lastError) }
        return try PGResult(raw, sql: sql)
    }

    /// Runs `COPY … FROM STDIN` (text format) and feeds it what `body` writes. If `body` throws, the
    /// COPY is aborted and the error rethrown (the caller rolls back).
    func copyIn(_ sql: String, _ body: (inout PGCopyWriter) throws -> Void) throws {
        guard let start = PQexec(handle, sql) else { throw StoreError.sql(statement: sql, message: lastError) }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            let message = String(cString: PQresultErrorMessage(start)).trimmingSpaces
            PQclear(start)
            throw StoreError.sql(statement: sql, message: message)
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
        if PQputCopyEnd(handle, nil) != 1 { throw StoreError.sql(statement: sql, message: lastError) }
        var failure: String?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK && failure == nil {
                failure = String(cString: PQresultErrorMessage(result)).trimmingSpaces
            }
            PQclear(result)
        }
        if let failure { throw StoreError.sql(statement: sql, message: failure) }
    }

    fileprivate func putCopyData(_ bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(handle, chars.baseAddress, Int32(chars.count))
            }
        }
        if status != 1 { throw StoreError.sql(statement: "COPY data", message: lastError) }
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

/// A locator with any password replaced by `***`, fit for an error message.
func redactPassword(_ locator: String) -> String {
    if let scheme = locator.range(of: "://") {
        let rest = locator[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            return String(locator[..<rest.index(after: colon)]) + "***" + String(locator[at...])
        }
        return locator
    }
    return locator.split(separator: " ").map { word in
        word.hasPrefix("password=") ? "password=***" : String(word)
    }.joined(separator: " ")
}

/// Text-format COPY data, buffered and sent in chunks of about 256 KiB.
struct PGCopyWriter {
    private let connection: PGConnection
    private var buffer: [UInt8] = []
    private static let chunk = 1 << 18

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

    fileprivate init(_ handle: OpaquePointer, sql: String) throws {
        let status = PQresultStatus(handle)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = String(cString: PQresultErrorMessage(handle)).trimmingSpaces
            PQclear(handle)
            throw StoreError.sql(statement: sql, message: message)
        }
        self.handle = handle
    }

    deinit { PQclear(handle) }

    var rowCount: Int { Int(PQntuples(handle)) }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    func text(_ row: Int, _ column: Int) -> String {
        String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// An integer column (text format) without building a String.
    func int64(_ row: Int, _ column: Int) -> Int64 {
        guard var pointer = PQgetvalue(handle, Int32(row), Int32(column)) else { return 0 }
        var negative = false
        if pointer.pointee == CChar(UInt8(ascii: "-")) {
            negative = true
            pointer += 1
        }
        var value: Int64 = 0
        while pointer.pointee >= CChar(UInt8(ascii: "0")) && pointer.pointee <= CChar(UInt8(ascii: "9")) {
            value = value &* 10 &+ Int64(pointer.pointee - CChar(UInt8(ascii: "0")))
            pointer += 1
        }
        return negative ? 0 &- value : value
    }

    func value(_ row: Int, _ column: Int, integer: Bool) -> FieldValue {
        if isNull(row, column) { return .null }
        return integer ? .integer(int64(row, column)) : .text(text(row, column))
    }
}
