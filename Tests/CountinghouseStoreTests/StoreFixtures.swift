// Fixtures for the store tests: each test runs against a fresh SQLite file and, when
// COUNTINGHOUSE_TEST_POSTGRES holds a libpq URL (scripts/pgtest.sh sets one), against a fresh
// PostgreSQL schema on that server (created through an admin connection, reached by the test store
// through `options=-csearch_path=…`, dropped afterwards). Rows are built directly as `LedgerRow`s.
import CountinghouseCore
import Foundation
import Testing

import CountinghouseStore

enum StoreFlavor: String, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static let postgresURL: String? = {
        let value = ProcessInfo.processInfo.environment["COUNTINGHOUSE_TEST_POSTGRES"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// SQLite always; PostgreSQL when a server is configured.
    static let all: [StoreFlavor] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
}

/// Runs `body` with a store on a fresh, empty database and its locator, then removes the database.
func withStore(_ flavor: StoreFlavor, _ body: (any LedgerStore, String) throws -> Void) throws {
    try withFreshDatabase(flavor) { locator in
        try body(try openLedgerStore(locator: locator, mode: .createOrMigrate), locator)
    }
}

/// Runs `body` with the locator of a fresh, empty database (a SQLite path where no file is yet, a
/// PostgreSQL schema on the search path, empty), then removes the database.
func withFreshDatabase(_ flavor: StoreFlavor, _ body: (String) throws -> Void) throws {
    let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
    switch flavor {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ch-store-\(tag)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.appendingPathComponent("ledger.sqlite").path)
    case .postgres:
        let admin = try PostgresStore(conninfo: StoreFlavor.postgresURL!)
        let schema = "ch_test_\(tag)"
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let url = StoreFlavor.postgresURL!
        try body(url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)")
    }
}

/// Runs raw SQL on either store (the escape hatch tests need to attack the ledger).
func execute(_ store: any LedgerStore, _ sql: String) throws {
    guard let store = store as? SQLLedgerStore else {
        Issue.record("unknown store type")
        return
    }
    try store.execute(sql)
}

let day: Int64 = 86_400 * Instant.nanosecondsPerSecond
let baseTime: Int64 = 1_790_000_000 * Instant.nanosecondsPerSecond

func instant(_ dayNumber: Int64) -> Instant { Instant(nanosecondsSinceEpoch: baseTime + dayNumber * day) }

func fileInfo(_ name: String, _ kind: LedgerKind = .posLines, at dayNumber: Int64, sha: String? = nil)
    -> IngestFileInfo
{
    IngestFileInfo(
        name: name, sha256: sha ?? "sha-of-\(name)", kind: kind, byteCount: 100, recordedAt: instant(dayNumber))
}

/// A pos_lines row as ingest stores it (discount and tax default to 0, the currency to USD).
func posLine(
    _ order: String, _ line: Int64, row: Int, price: Int64 = 1250, quantity: Int64 = 1, occurredDay: Int64 = 0
) -> LedgerRow {
    LedgerRow(
        kind: .posLines,
        values: [
            .text(order), .integer(line), .integer(baseTime + occurredDay * day), .text("S1"), .text("SKU-1"),
            .text("SALE"), .integer(quantity), .integer(price), .integer(0), .integer(0), .text("USD"), .null, .null, .null,
        ],
        sourceRow: row)
}

func item(_ sku: String, cost: Int64?, row: Int) -> LedgerRow {
    LedgerRow(
        kind: .items,
        values: [.text(sku), .text("Thing \(sku)"), .null, cost.map { .integer($0) } ?? .null, .null, .null],
        sourceRow: row)
}

func transfer(
    _ id: String, line: Int64, type: String, sku: String, from: String = "S1", to: String = "S2",
    receiptNo: Int64? = nil, row: Int
) -> LedgerRow {
    LedgerRow(
        kind: .transfers,
        values: [
            .text(id), .integer(line), .text(type), .integer(baseTime), .text(from), .text(to), .text(sku),
            .integer(5), receiptNo.map { .integer($0) } ?? .null,
        ],
        sourceRow: row)
}

@discardableResult
func append(_ store: any LedgerStore, _ file: IngestFileInfo, _ rows: [LedgerRow]) throws -> AppendOutcome {
    try store.append(file) { emit in
        for row in rows { try emit(row) }
    }
}

func appended(_ outcome: AppendOutcome) -> IngestedFile? {
    if case .appended(let file) = outcome { return file }
    return nil
}

func rejections(_ outcome: AppendOutcome) -> [RowError]? {
    if case .rejected(let errors) = outcome { return errors }
    return nil
}

struct ProducerFailure: Error {}
