// The only place that touches `sqlite3*` and `sqlite3_stmt*`.
//
// Place in the pipeline: `SQLiteStore` runs its SQL through these two classes. A `SQLiteConnection`
// owns the database handle and closes it in deinit; a `SQLiteStatement` owns a prepared statement,
// keeps its connection alive and finalizes in deinit, so statements can be prepared once and reused
// for every row of a file. Invariant: no pointer leaves this file.
// Errors a user can see: SQLite's failures become typed errors here (`failure`): SQLITE_BUSY
// (another connection holds the write lock past the busy timeout) is `StoreError.busy`,
// SQLITE_READONLY (a read-only file or directory, `?mode=ro`, `PRAGMA query_only`) is
// `StoreError.readOnly`, any other is `StoreError.sql` (statement and SQLite's message); a file
// that cannot be opened is `StoreError.cannotOpen`.
import CSQLite
import CountinghouseCore

/// SQLite's "copy the bytes now" destructor (`SQLITE_TRANSIENT`), which Swift does not import.
private func transientDestructor() -> sqlite3_destructor_type {
    unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}

final class SQLiteConnection {
    fileprivate let handle: OpaquePointer
    /// The file, as errors name it.
    let path: String
    /// How long a lock request waits for another connection before SQLITE_BUSY.
    private(set) var busyTimeoutMilliseconds: Int32

    /// Opens the file read-write (SQLite falls back to read-only when the file refuses writes; a
    /// write then fails as `StoreError.readOnly`), creating it only when `create` is set.
    init(path: String, create: Bool, busyTimeoutMilliseconds: Int32) throws {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError.cannotOpen(
                "cannot open the SQLite file \(path): \(message); check that its directory exists and is "
                    + "writable")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    /// Runs `body` with another busy timeout (0: a lock request fails at once), then restores it.
    func withBusyTimeout<T>(milliseconds: Int32, _ body: () throws -> T) rethrows -> T {
        let saved = busyTimeoutMilliseconds
        sqlite3_busy_timeout(handle, milliseconds)
        busyTimeoutMilliseconds = milliseconds
        defer {
            sqlite3_busy_timeout(handle, saved)
            busyTimeoutMilliseconds = saved
        }
        return try body()
    }

    /// The typed error of a failed call: busy, read-only, or a plain SQL failure.
    fileprivate func failure(_ status: Int32, sql: String, message: String) -> StoreError {
        switch status & 0xff {
        case SQLITE_BUSY:
            return .busy(ledger: path, waitedSeconds: Double(busyTimeoutMilliseconds) / 1000)
        case SQLITE_READONLY:
            return .readOnly(
                ledger: path,
                detail: "SQLite refused to write (\(message)); check that this user may write the file, its -wal "
                    + "and -shm files and its directory")
        default:
            return .sql(statement: sql, message: message)
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if status != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw failure(status, sql: sql, message: message)
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw failure(status, sql: sql, message: String(cString: sqlite3_errmsg(handle)))
        }
        return SQLiteStatement(connection: self, handle: statement, sql: sql)
    }

    fileprivate var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// The most `?NNN` parameters one statement may have (999 before SQLite 3.32, 32766 since).
    var variableLimit: Int { Int(sqlite3_limit(handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1)) }

    /// Rows inserted, updated or deleted since the connection opened.
    var totalChanges: Int { Int(sqlite3_total_changes(handle)) }
}

final class SQLiteStatement {
    private let connection: SQLiteConnection
    private let handle: OpaquePointer
    let sql: String
    /// The bytes of texts bound by `bindHeld`, kept until the next `rewind` or `reset`.
    private var held = HeldBytes()

    fileprivate init(connection: SQLiteConnection, handle: OpaquePointer, sql: String) {
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Clears the previous run's state and bindings before binding again.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        held.removeAll()
    }

    /// Ends the previous run, keeping the bindings (for a caller that rebinds every parameter).
    /// Bindings made by `bindHeld` are cleared with the bytes they pointed at.
    func rewind() {
        sqlite3_reset(handle)
        if !held.isEmpty {
            sqlite3_clear_bindings(handle)
            held.removeAll()
        }
    }

    /// Binds a value to the 1-based parameter `index`.
    func bind(_ value: FieldValue, at index: Int32) throws {
        let status: Int32
        switch value {
        case .null: status = sqlite3_bind_null(handle, index)
        case .integer(let number): status = sqlite3_bind_int64(handle, index, number)
        case .text(let text): status = bindText(text, at: index)
        }
        try check(status)
    }

    func bind(_ number: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, number))
    }

    func bind(_ text: String, at index: Int32) throws {
        try check(bindText(text, at: index))
    }

    /// Binds UTF-8 bytes as text (copied by SQLite), without building a String.
    func bind(utf8 bytes: [UInt8], at index: Int32) throws {
        // A nil pointer would bind NULL: an empty value binds as '' through the String path.
        if bytes.isEmpty { return try bind("", at: index) }
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), transientDestructor())
            }
        }
        try check(status)
    }

    /// Binds a value as `bind` does, but a text's bytes are copied into this statement's own
    /// buffer and bound there without SQLite's copy (`SQLITE_STATIC`), until the next `rewind` or
    /// `reset`. Why: SQLite frees and allocates a parameter's copy every time it is bound again; a
    /// million-row ingest binds ~20 million texts.
    func bindHeld(_ value: FieldValue, at index: Int32) throws {
        guard case .text(var text) = value else { return try bind(value, at: index) }
        let status = text.withUTF8 { bindHeld(UnsafeRawBufferPointer($0), at: index) }
        try check(status)
    }

    /// Binds UTF-8 bytes as text as `bindHeld(_:at:)` does.
    func bindHeld(utf8 bytes: [UInt8], at index: Int32) throws {
        let status = bytes.withUnsafeBytes { bindHeld($0, at: index) }
        try check(status)
    }

    private func bindHeld(_ bytes: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // The copy is never a nil pointer, so an empty value binds as '' and not as NULL.
        let copy = held.append(bytes)
        return sqlite3_bind_text(handle, index, copy, Int32(bytes.count), nil)
    }

    private func bindText(_ text: String, at index: Int32) -> Int32 {
        // withCString never hands a nil pointer, so an empty string binds as '' and not as NULL.
        text.withCString { pointer in
            sqlite3_bind_text(handle, index, pointer, Int32(text.utf8.count), transientDestructor())
        }
    }

    /// Advances to the next row: true when a row is there, false when the statement is done.
    func step() throws -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = connection.lastError
            sqlite3_reset(handle)
            throw connection.failure(status, sql: sql, message: message)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        _ = try step()
        sqlite3_reset(handle)
    }

    /// Runs a statement that returns no rows; false when a constraint refused it, such as a unique
    /// index finding a key taken. Of a refused statement, SQLite undoes every change (ABORT, the
    /// default) or keeps those made before the refusal (`OR FAIL`).
    func runUnlessConstraintFails() throws -> Bool {
        let status = sqlite3_step(handle)
        if status == SQLITE_DONE || status == SQLITE_ROW {
            sqlite3_reset(handle)
            return true
        }
        let message = connection.lastError
        sqlite3_reset(handle)
        if status & 0xff == SQLITE_CONSTRAINT { return false }
        throw connection.failure(status, sql: sql, message: message)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column as a field value of the given storage class.
    func value(_ column: Int32, integer: Bool) -> FieldValue {
        if isNull(column) { return .null }
        return integer ? .integer(int64(column)) : .text(text(column))
    }

    /// Whether the column holds exactly this value, without building a String.
    func equals(_ column: Int32, _ value: FieldValue) -> Bool {
        let type = sqlite3_column_type(handle, column)
        switch value {
        case .null:
            return type == SQLITE_NULL
        case .integer(let number):
            return type == SQLITE_INTEGER && sqlite3_column_int64(handle, column) == number
        case .text(let expected):
            guard type == SQLITE_TEXT, let pointer = sqlite3_column_text(handle, column) else { return false }
            let count = Int(sqlite3_column_bytes(handle, column))
            var expectedText = expected
            return expectedText.withUTF8 { buffer in
                buffer.count == count && UnsafeBufferPointer(start: pointer, count: count).elementsEqual(buffer)
            }
        }
    }

    private func check(_ status: Int32) throws {
        if status != SQLITE_OK { throw connection.failure(status, sql: sql, message: connection.lastError) }
    }
}

/// Bytes kept at a fixed address until removed: chunks that are never moved or grown, reused after
/// `removeAll`. SQLite reads a text bound with `SQLITE_STATIC` from its address until the statement
/// is reset or bound again, so the bytes must not move while a statement may run.
private struct HeldBytes: ~Copyable {
    private var chunks: [(base: UnsafeMutableRawPointer, capacity: Int)] = []
    /// The chunk being filled, and how much of it is used.
    private var current = 0
    private var used = 0

    static let chunkBytes = 1 << 16

    var isEmpty: Bool { current == 0 && used == 0 }

    /// Copies the bytes in and returns the copy's address (never nil, even for no bytes).
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> UnsafePointer<CChar> {
        if chunks.isEmpty || used + bytes.count > chunks[current].capacity {
            // The next chunk that can hold the bytes; one too small for them is skipped (it stays
            // allocated for the batches after).
            if !chunks.isEmpty { current += 1 }
            while current < chunks.count && chunks[current].capacity < bytes.count { current += 1 }
            if current == chunks.count {
                let capacity = max(Self.chunkBytes, bytes.count)
                chunks.append((UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8), capacity))
            }
            used = 0
        }
        let target = chunks[current].base + used
        if let source = bytes.baseAddress, bytes.count > 0 { target.copyMemory(from: source, byteCount: bytes.count) }
        used += bytes.count
        return UnsafePointer(target.assumingMemoryBound(to: CChar.self))
    }

    /// Forgets every copy (their addresses may be reused); the chunks stay for the next bytes.
    mutating func removeAll() {
        current = 0
        used = 0
    }

    deinit {
        for chunk in chunks { chunk.base.deallocate() }
    }
}
