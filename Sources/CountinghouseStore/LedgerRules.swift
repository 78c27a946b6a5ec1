// What both stores compute the same way, in pure Swift: the hash chain, the schema's DDL pieces,
// the messages of conflicting and inconsistent rows, the factory that picks a store, and the
// per-row encoder and in-file key finder that keep an ingest free of per-row allocations.
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
public let ledgerSchemaVersion = 5

/// Opens the ledger named by a locator: `postgres://…`, `postgresql://…` or a libpq conninfo
/// (`host=… dbname=…`) is PostgreSQL; anything else (optionally prefixed `sqlite:`) is a SQLite
/// file path. The schema is migrated on first use.
public func openLedgerStore(locator: String) throws -> any LedgerStore {
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
        var suffix = fileSuffix(recordedAt: recordedAt, fileSHA256: fileSHA256)
        appendDecimal(sourceRow, to: &suffix)
        suffix.append(UInt8(ascii: ";"))
        hasher.update(data: suffix)
        return Array(hasher.finalize())
    }

    /// `|r<recordedAt>;f<fileSHA256>;s`: the part of a row's chained suffix that every row of a
    /// file shares (the source row and `;` follow).
    static func fileSuffix(recordedAt: Int64, fileSHA256: String) -> [UInt8] {
        var suffix: [UInt8] = [UInt8(ascii: "|"), UInt8(ascii: "r")]
        suffix.reserveCapacity(96)
        appendDecimal(recordedAt, to: &suffix)
        suffix.append(UInt8(ascii: ";"))
        suffix.append(UInt8(ascii: "f"))
        suffix.append(contentsOf: fileSHA256.utf8)
        suffix.append(UInt8(ascii: ";"))
        suffix.append(UInt8(ascii: "s"))
        return suffix
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

    /// `seq, <columns>, recorded_at, file_id, file name, source_row` of the ledger alias `l` and
    /// the files alias `f`: what both stores' `readStored` read.
    static func storedColumns(_ schema: KindSchema) -> String {
        "l.seq, \(columnList(schema, prefix: "l.")), l.recorded_at, l.file_id, f.name, l.source_row"
    }

    /// The stored rows of a kind matching conditions on `l`, in ledger order.
    static func selectStored(_ schema: KindSchema, where conditions: [String]) -> String {
        "SELECT \(storedColumns(schema)) FROM \(schema.tableName) l JOIN files f ON f.id = l.file_id"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY l.seq"
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

/// A row's natural key and canonical content (exactly Core's `LedgerRow.naturalKey` and
/// `canonicalContent` bytes) and its chained hash, written into buffers reused from row to row.
///
/// Why: an ingest of a million rows spent a large share of its client time building these as fresh
/// arrays and strings per row (`String(value)` for every integer). The stores encode each row once
/// here and bind or COPY the bytes directly. A test holds the bytes equal to Core's.
struct LedgerRowEncoder {
    /// The natural key of the last encoded row (UTF-8 of `LedgerRow.naturalKey`).
    private(set) var key: [UInt8] = []
    /// The canonical content of the last encoded row (`LedgerRow.canonicalContent`).
    private(set) var canonical: [UInt8] = []
    private let keyColumns: [Int]
    private let contentPrefix: [UInt8]
    /// `|r<recordedAt>;f<fileSHA256>;s`, the same for every row of a file.
    private let chainSuffix: [UInt8]
    private var scratch: [UInt8] = []

    init(kind: LedgerKind, recordedAt: Int64, fileSHA256: String) {
        keyColumns = kind.schema.naturalKey
        contentPrefix = Array(kind.rawValue.utf8) + [UInt8(ascii: "|")]
        chainSuffix = HashChain.fileSuffix(recordedAt: recordedAt, fileSHA256: fileSHA256)
        key.reserveCapacity(256)
        canonical.reserveCapacity(1024)
        scratch.reserveCapacity(32)
    }

    /// Encodes a row's key and content into `key` and `canonical`.
    mutating func encode(_ row: LedgerRow) {
        key.removeAll(keepingCapacity: true)
        for index in keyColumns { Self.appendCanonical(row.values[index], to: &key) }
        canonical.removeAll(keepingCapacity: true)
        canonical.append(contentsOf: contentPrefix)
        for value in row.values { Self.appendCanonical(value, to: &canonical) }
    }

    /// The natural key as Core's string.
    var keyString: String { String(decoding: key, as: UTF8.self) }

    /// `HashChain.digest` of the last encoded row after `previous`, without per-row buffers.
    mutating func digest(previous: [UInt8], sourceRow: Int64) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonical)
        hasher.update(data: chainSuffix)
        scratch.removeAll(keepingCapacity: true)
        appendDecimal(sourceRow, to: &scratch)
        scratch.append(UInt8(ascii: ";"))
        hasher.update(data: scratch)
        return Array(hasher.finalize())
    }

    /// Core's self-delimiting encoding: `N`, `i<digits>;` or `t<byte count>:<bytes>`.
    @inline(__always)
    static func appendCanonical(_ value: FieldValue, to bytes: inout [UInt8]) {
        switch value {
        case .null:
            bytes.append(UInt8(ascii: "N"))
        case .integer(let number):
            bytes.append(UInt8(ascii: "i"))
            appendDecimal(number, to: &bytes)
            bytes.append(UInt8(ascii: ";"))
        case .text(var text):
            text.withUTF8 { utf8 in
                bytes.append(UInt8(ascii: "t"))
                appendDecimal(Int64(utf8.count), to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: utf8)
            }
        }
    }
}

extension HashChain {
    /// Appends a digest's lowercase hex (what `hex` returns) without building a String.
    static func appendHex(_ digest: [UInt8], to bytes: inout [UInt8]) {
        for byte in digest {
            bytes.append(hexDigit(byte >> 4))
            bytes.append(hexDigit(byte & 0x0f))
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

/// Finds a natural key repeated inside one file (a row error, SEMANTICS §1).
///
/// Why not `[String: Int]`: for a million rows the dictionary cost a String and a SipHash per row and
/// was the largest single client cost of a PostgreSQL ingest. Keys live here back to back in one
/// byte arena, found through an open-addressing table of (hash, entry) slots; equal hashes are
/// confirmed by comparing the bytes, so a hash collision never reports a false repeat.
struct RepeatedKeyFinder {
    private var arena: [UInt8] = []
    private var ends: [Int] = []
    private var firstRows: [Int] = []
    private var hashes: [UInt64] = []
    /// 0 is empty; otherwise the entry index + 1 in the low 32 bits and the hash's top 32 bits above.
    private var slots: [UInt64]
    private var mask: Int

    init(expectedKeys: Int) {
        var capacity = 1024
        while capacity < expectedKeys * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        ends.reserveCapacity(expectedKeys)
        firstRows.reserveCapacity(expectedKeys)
        hashes.reserveCapacity(expectedKeys)
        arena.reserveCapacity(expectedKeys * 24)
    }

    var isEmpty: Bool { firstRows.isEmpty }

    /// The row `key` was remembered at, if it was.
    func row(of key: [UInt8]) -> Int? {
        if firstRows.isEmpty { return nil }
        return find(key, hash: Self.hash(key)).row
    }

    /// The row of an earlier occurrence of `key`; nil (and `key` remembered at `row`) when new.
    mutating func earlierRow(of key: [UInt8], row: Int) -> Int? {
        let hash = Self.hash(key)
        let (slot, earlier) = find(key, hash: hash)
        if let earlier { return earlier }
        insert(key, row: row, hash: hash, slot: slot)
        return nil
    }

    /// The row of `key` when present, else the empty slot where it belongs.
    private func find(_ key: [UInt8], hash: UInt64) -> (slot: Int, row: Int?) {
        let tag = hash & 0xffff_ffff_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let occupant = slots[slot]
            if occupant == 0 { return (slot, nil) }
            if occupant & 0xffff_ffff_0000_0000 == tag {
                let entry = Int(occupant & 0xffff_ffff) - 1
                let start = entry == 0 ? 0 : ends[entry - 1]
                if arena[start..<ends[entry]].elementsEqual(key) { return (slot, firstRows[entry]) }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func insert(_ key: [UInt8], row: Int, hash: UInt64, slot: Int) {
        let tag = hash & 0xffff_ffff_0000_0000
        precondition(firstRows.count < Int(UInt32.max - 1), "too many keys in one file")
        arena.append(contentsOf: key)
        ends.append(arena.count)
        firstRows.append(row)
        hashes.append(hash)
        slots[slot] = tag | UInt64(firstRows.count)
        if firstRows.count * 2 > slots.count { grow() }
    }

    /// Remembers `key` at `row` unless it is already there.
    mutating func remember(_ key: [UInt8], row: Int) {
        _ = earlierRow(of: key, row: row)
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for (entry, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash & 0xffff_ffff_0000_0000) | UInt64(entry + 1)
        }
    }

    /// A fast 64-bit mix of the bytes, eight at a time (not for adversaries: a collision only costs a
    /// byte comparison).
    private static func hash(_ key: [UInt8]) -> UInt64 {
        key.withUnsafeBytes { raw in
            var hash: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(raw.count)
            var offset = 0
            while offset + 8 <= raw.count {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
                hash ^= hash >> 32
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < raw.count {
                tail |= UInt64(raw[offset]) << shift
                shift += 8
                offset += 1
            }
            hash = (hash ^ tail) &* 0xc4ce_b9fe_1a85_ec53
            hash ^= hash >> 29
            hash = hash &* 0xff51_afd7_ed55_8ccd
            return hash ^ (hash >> 32)
        }
    }
}
