// No SQL is built from input text (bound parameters and COPY only), on both stores: rows of every
// kind whose every text column holds quotes, semicolons, `'); DROP TABLE …; --`, backslashes, COPY's
// null marker, placeholders and comment openers land, read back exactly (as known now and through
// the cost cache's SKU lists, checkpoints and replays), and verify passes with every table there.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("Hostile text")
struct HostileTextTests {
    static let hostile = [
        "'", ";", "'); DROP TABLE ledger_pos_lines; --", "\"", "\\", "\\N", "O'Brien; \"x\" \\ y", "$1", "?1", "-- x",
        "/* x", "a\tb\nc\r", "'' OR 1=1 --", "Robert'); DROP TABLE files;--",
    ]

    /// A row of a kind with `text` in every free text column (with the round and index in
    /// identifiers, so keys differ; with the index only in SKUs and locations, so the second round
    /// is about the same stock); codes, dates, currencies and numbers as ingest would store them.
    static func row(_ kind: LedgerKind, _ text: String, round: Int, index: Int) -> LedgerRow {
        let number = Int64(round * 100 + index + 1)
        return LedgerRow(
            kind: kind,
            values: kind.schema.columns.map { column in
                if let codes = column.codes { return .text(codes[0]) }
                switch column.type {
                case .integer, .money: return .integer(number)
                case .instant: return .integer(baseTime + number * day)
                case .date: return .text("2026-10-0\(1 + index % 9)")
                case .text:
                    if column.name == "currency" { return .text("USD") }
                    if column.name == "sku" || column.name.hasSuffix("location") { return .text("\(text)#\(index)") }
                    return .text("\(text)#\(round)-\(index)")
                }
            },
            sourceRow: index + 2)
    }

    @Test(arguments: StoreFlavor.all)
    func everyTextColumnRoundTripsAndNothingIsExecuted(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            var day: Int64 = 1
            var expected: [LedgerKind: [LedgerRow]] = [:]
            // Two files of each kind: the second lands in a table that holds rows (the other append
            // path) and makes the cost refresh replay the same SKUs from their checkpoints.
            for round in 0..<2 {
                for kind in LedgerKind.allCases {
                    let rows = Self.hostile.enumerated().map { index, text in Self.row(kind, text, round: round, index: index) }
                    let name = "\(kind.rawValue) \(Self.hostile[round]) '); DROP TABLE files; --.csv"
                    let outcome = try append(store, fileInfo(name, kind, at: day, sha: "sha '\(kind.rawValue)' \(round);"), rows)
                    #expect(appended(outcome)?.name == name, "\(kind.rawValue): \(outcome)")
                    expected[kind, default: []] += rows
                    day += 1
                }
                _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: 1)
            }
            for kind in LedgerKind.allCases {
                #expect(try store.rows(of: kind, knownAt: nil).map(\.row) == expected[kind], "\(kind.rawValue)")
            }
            #expect(try store.files().count == 2 * LedgerKind.allCases.count)
            #expect(try store.files().allSatisfy { $0.name.hasSuffix(" '); DROP TABLE files; --.csv") })
            // The cache holds the hostile SKUs, as a rebuild has them.
            let skus = Set(try store.cachedContents().deltas.map(\.sku))
            #expect(skus.contains("'); DROP TABLE ledger_pos_lines; --#2"))
            #expect(try LedgerVerifier.verify(store).passed)
            let sql = try #require(store as? SQLLedgerStore)
            for table in LeastPrivilegeSQL.allTables { #expect(try sql.tableExists(table), "\(table)") }
        }
    }
}
