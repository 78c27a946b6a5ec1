// What both stores compute the same way, in pure Swift: the hash chain, the schema's DDL pieces,
// the messages of conflicting and inconsistent rows, and the factory that picks a store.
//
// Place in the pipeline: `SQLiteStore` and `PostgresStore` call these so that the two databases hold
// the same columns, chain the same bytes and show the same messages. Nothing here touches a C handle.
// Invariants: a row's chained bytes are `canonicalContent` followed by `|r<recorded_at ns>;f<file
// sha256>;s<source row>;` and its hash is sha256(previous row's 32-byte digest ‖ those bytes), the
// first row of a table chaining from 32 zero bytes (`HashChain.genesis`).
// Errors a user can see: the conflict and transfer-mismatch `RowError`s (formats in `LedgerMessages`)
// and `StoreError.badLocator` for an empty locator.
import CountinghouseCore
import Crypto

/// The schema version this program writes and understands.
public let ledgerSchemaVersion = 2

/// Opens the ledger named by a locator: `postgres://…`, `postgresql://…` or a libpq conninfo
/// (`host=… dbname=…`) is PostgreSQL; anything else (optionally prefixed `sqlite:`) is a SQLite
/// file path. The schema is migrated on first use.
public func openLedgerStore(locator: String) throws -> any CostCacheStore {
    let trimmed = locator.trimmingSpaces
    if trimmed.isEmpty {
        throw StoreError.badLocator(
            "empty ledger locator: give a SQLite file path or a postgresql://… URL")
    }
    if isPostgresLocator(trimmed) { return try PostgresStore(conninfo: trimmed) }
    var path = Substring(trimmed)
    if path.hasPrefix("sqlite://") {
        path = path.dropFirst("sqlite://".count)
    } else if path.hasPrefix("sqlite:") {
        path = path.dropFirst("sqlite:".count)
    }
    if path.isEmpty {
        throw StoreError.badLocator("the locator \(locator) names no SQLite file")
    }
    return try SQLiteStore(path: String(path))
}

/// Whether a locator names a PostgreSQL server rather than a SQLite file.
public func isPostgresLocator(_ locator: String) -> Bool {
    if locator.hasPrefix("postgres://") || locator.hasPrefix("postgresql://") { return true }
    // A libpq keyword/value conninfo: `host=/tmp dbname=ledger user=…`.
    let words = locator.split(separator: " ")
    return words.contains { $0.hasPrefix("host=") || $0.hasPrefix("dbname=") }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// The per-table hash chain.
enum HashChain {
    /// The digest the first row of every table chains from.
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// sha256(previous ‖ canonical content ‖ `|r<recordedAt>;f<fileSHA>;s<sourceRow>;`).
    static func digest(
        previous: [UInt8], canonicalContent: some Collection<UInt8>, recordedAt: Int64, fileSHA256: String,
        sourceRow: Int64
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        if canonicalContent.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) })
            == nil
        {
            hasher.update(data: Array(canonicalContent))
        }
        var suffix: [UInt8] = [UInt8(ascii: "|"), UInt8(ascii: "r")]
        suffix.reserveCapacity(96)
        appendDecimal(recordedAt, to: &suffix)
        suffix.append(UInt8(ascii: ";"))
        suffix.append(UInt8(ascii: "f"))
        suffix.append(contentsOf: fileSHA256.utf8)
        suffix.append(UInt8(ascii: ";"))
        suffix.append(UInt8(ascii: "s"))
        appendDecimal(sourceRow, to: &suffix)
        suffix.append(UInt8(ascii: ";"))
        hasher.update(data: suffix)
        return Array(hasher.finalize())
    }

    static func hex(_ digest: [UInt8]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digest.count * 2)
        let digits = Array("0123456789abcdef".utf8)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The digest a stored hex hash names, or nil when it is not 64 hex digits.
    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Appends the decimal digits of a value without building a String.
@inline(__always)
func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
    if value == 0 {
        bytes.append(UInt8(ascii: "0"))
        return
    }
    var magnitude = value.magnitude
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
        while magnitude > 0 {
            buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            count += 1
        }
        while count > 0 {
            count -= 1
            bytes.append(buffer[count])
        }
    }
}

/// Verifies one table's chain from its rows in ledger order; used by both stores.
struct ChainVerifier {
    let table: String
    private var previous = HashChain.genesis
    private(set) var breaks: [ChainBreak] = []

    init(table: String) { self.table = table }

    /// Checks the next row; the chain continues from the stored hash so that one altered row is
    /// one break, not a cascade.
    mutating func check(
        sequence: Int64, row: LedgerRow, recordedAt: Int64, fileSHA256: String, storedHash: String
    ) {
        let expected = HashChain.digest(
            previous: previous, canonicalContent: row.canonicalContent, recordedAt: recordedAt,
            fileSHA256: fileSHA256, sourceRow: Int64(row.sourceRow))
        let expectedHex = HashChain.hex(expected)
        if expectedHex != storedHash {
            breaks.append(ChainBreak(table: table, sequence: sequence, expected: expectedHex, found: storedHash))
        }
        previous = HashChain.bytes(hex: storedHash) ?? expected
    }
}

/// The SQL that both stores generate from `KindSchema`.
enum LedgerDDL {
    /// "As known at" and "as of" conditions on the ledger alias `l`.
    static func knowledgeConditions(_ schema: KindSchema, _ knownAt: Instant?, _ occurredAtOrBefore: Instant?) -> [String] {
        var conditions: [String] = []
        if let knownAt { conditions.append("l.recorded_at <= \(knownAt.nanosecondsSinceEpoch)") }
        if let occurredAtOrBefore, schema.occurredAt != nil {
            conditions.append("l.occurred_at <= \(occurredAtOrBefore.nanosecondsSinceEpoch)")
        }
        return conditions
    }

    /// A SQL string literal (single quotes doubled), the same in both stores.
    static func literal(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// The schema columns, then the bookkeeping columns, as `rows()` selects them.
    static func columnList(_ schema: KindSchema, prefix: String = "") -> String {
        schema.columns.map { prefix + $0.name }.joined(separator: ", ")
    }

    /// `name TYPE [NOT NULL]` for each schema column.
    static func columnDefinitions(_ schema: KindSchema) -> [String] {
        schema.columns.map { column in
            "\(column.name) \(column.type.isInteger ? "BIGINT" : "TEXT")\(column.requiredInFile ? " NOT NULL" : "")"
        }
    }

    /// Secondary indexes on a ledger table (the natural key, knowledge time, occurrence time and,
    /// for transfers, the transfer line), identical in both stores.
    static func indexes(_ schema: KindSchema) -> [String] {
        let table = schema.tableName
        var statements: [String] = []
        if schema.versioned {
            statements.append("CREATE INDEX \(table)_natural_key ON \(table) (natural_key, seq)")
        } else {
            statements.append("CREATE UNIQUE INDEX \(table)_natural_key ON \(table) (natural_key)")
        }
        statements.append("CREATE INDEX \(table)_recorded_at ON \(table) (recorded_at)")
        if schema.occurredAt != nil {
            statements.append("CREATE INDEX \(table)_occurred_at ON \(table) (occurred_at)")
        }
        if schema.kind == .transfers {
            statements.append("CREATE INDEX \(table)_line ON \(table) (transfer_id, line_no)")
        }
        return statements
    }
}

/// The messages of rows the ledger refuses.
enum LedgerMessages {
    /// One conflicting row: the key, which columns differ, the ledger's value with its file and row,
    /// and this file's value. Format of the reason:
    /// `natural key (order_id=A1, line_no=2) is already in the ledger with different content
    /// (ledger: file old.csv row 3): unit_price ledger 12.50 vs this file 13.00; quantity ledger 1 vs
    /// this file 2`.
    static func conflict(fileName: String, incoming: LedgerRow, existing: StoredRow) -> RowError {
        let schema = incoming.kind.schema
        var differing: [String] = []
        var details: [String] = []
        for (index, column) in schema.columns.enumerated()
        where incoming.values[index] != existing.row.values[index] {
            differing.append(column.name)
            details.append(
                "\(column.name) ledger \(render(existing.row, index)) vs this file \(render(incoming, index))")
        }
        return RowError(
            file: fileName, row: incoming.sourceRow, column: differing.joined(separator: ", "),
            reason: "natural key \(keyText(incoming)) is already in the ledger with different content "
                + "(ledger: file \(existing.fileName) row \(existing.sourceRow)): "
                + details.joined(separator: "; ")
                + "; send a correction as a new document instead of rewriting a row")
    }

    /// A transfer row whose SKU or locations differ from another row of the same transfer line
    /// already in the ledger (SEMANTICS §3.3).
    static func transferMismatch(fileName: String, incoming: LedgerRow, existing: StoredRow) -> RowError {
        var differing: [String] = []
        var details: [String] = []
        for name in ["sku", "from_location", "to_location"] where incoming[name] != existing.row[name] {
            differing.append(name)
            details.append("\(name) \(text(existing.row[name])) there vs \(text(incoming[name])) here")
        }
        let existingType = existing.row["type"].description
        let transfer = incoming["transfer_id"].description
        let line = incoming["line_no"].description
        return RowError(
            file: fileName, row: incoming.sourceRow, column: differing.joined(separator: ", "),
            value: differing.count == 1 ? incoming[differing[0]].description : nil,
            reason: "transfer \(transfer) line \(line) differs from the ledger's \(existingType) row of the "
                + "same line (file \(existing.fileName) row \(existing.sourceRow)): "
                + details.joined(separator: "; ")
                + "; all rows of one transfer line must have one SKU and the same locations")
    }

    /// A natural key that appears twice in one file.
    static func repeatedKey(fileName: String, row: LedgerRow, firstRow: Int) -> RowError {
        RowError(
            file: fileName, row: row.sourceRow,
            reason: "natural key \(keyText(row)) repeats row \(firstRow) of the same file")
    }

    static func keyText(_ row: LedgerRow) -> String {
        let schema = row.kind.schema
        return "(" + schema.naturalKey.map { "\(schema.columns[$0].name)=\(row.values[$0])" }
            .joined(separator: ", ") + ")"
    }

    private static func text(_ value: FieldValue) -> String {
        value.isNull ? "(empty)" : "\"\(value)\""
    }

    /// A value as a person reads it: instants in ISO 8601, money in major units of the row's
    /// currency (minor units when the row names none), empty as `(empty)`.
    static func render(_ row: LedgerRow, _ index: Int) -> String {
        let value = row.values[index]
        guard case .integer(let number) = value else { return text(value) }
        switch row.kind.schema.columns[index].type {
        case .instant:
            return Instant(nanosecondsSinceEpoch: number).iso8601()
        case .money:
            if let code = row["currency"].textValue, let exponent = CurrencyTable.exponent(of: code) {
                return formatMinorUnits(number, exponent: exponent)
            }
            return "\(number) (minor units)"
        default:
            return String(number)
        }
    }
}
