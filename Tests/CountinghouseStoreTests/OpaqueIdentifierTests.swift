// Identifiers are their bytes (FORMATS §1) through the cost cache on both stores: a chain whose
// SKUs, locations, orders and documents are spelled once in NFC ("É") and once in NFD ("E" and a
// combining acute), both in one ledger, is two chains. String's `==` and hashing call the two
// spellings equal: a cache keyed by String merged the twins (one SKU got no cached costs, and
// `verify` found the engine's on-hand units short of the plain sums).
import CountinghouseCore
import CountinghouseStore
import Testing

@Suite struct OpaqueIdentifierTests {
    static let identifierColumns: Set<String> = [
        "sku", "location", "from_location", "to_location", "order_id", "original_order_id", "document_id",
        "original_document_id", "transfer_id", "count_id",
    ]
    static let composed = "\u{C9}"  // É, one scalar
    static let decomposed = "E\u{301}"  // E and a combining acute

    /// The row with every identifier prefixed.
    static func spelled(_ row: LedgerRow, _ prefix: String) -> LedgerRow {
        var values = row.values
        for (index, column) in row.kind.schema.columns.enumerated() where identifierColumns.contains(column.name) {
            if case .text(let text) = values[index] { values[index] = .text(prefix + text) }
        }
        return LedgerRow(kind: row.kind, values: values, sourceRow: row.sourceRow)
    }

    /// A cache row's identifiers with the prefix taken off, as bytes (nil: another spelling's row).
    static func unspelled(_ text: String, _ prefix: String) -> [UInt8]? {
        let (bytes, prefixBytes) = (Array(text.utf8), Array(prefix.utf8))
        guard bytes.starts(with: prefixBytes) else { return nil }
        return Array(bytes.dropFirst(prefixBytes.count))
    }

    /// One spelling's cost lines and deltas, its prefix taken off, in a fixed order.
    static func twin(_ contents: CostCacheContents, _ prefix: String) -> (lines: [String], deltas: [String]) {
        func strip(_ text: String) -> String { unspelled(text, prefix).map { String(decoding: $0, as: UTF8.self) } ?? "?" }
        let lines = contents.lines.filter { unspelled($0.sku, prefix) != nil }.map { line in
            "\(strip(line.sku)) \(line.sequence) \(strip(line.location)) \(strip(line.documentID)) \(line.quantity) \(line.cost) "
                + "\(line.provisionalCost) \(line.pendingQuantity) \(line.cancelledQuantity) \(line.flags)"
        }
        let deltas = contents.deltas.filter { unspelled($0.sku, prefix) != nil }.map { delta in
            "\(strip(delta.sku)) \(delta.sequence) \(strip(delta.location)) \(delta.units) \(delta.value) \(delta.pending)"
        }
        return (lines.sorted(), deltas.sorted())
    }

    /// Where two listings part (nil when equal): short enough to read in a failure.
    static func firstDifference(_ a: [String], _ b: [String]) -> String? {
        guard a != b else { return nil }
        let index = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "\(a.count) and \(b.count) rows; at \(index): \(index < a.count ? a[index] : "none") | \(index < b.count ? b[index] : "none")"
    }

    @Test(arguments: StoreFlavor.all)
    func twinChainsSpelledInNFCAndNFDAreCostedApart(flavor: StoreFlavor) throws {
        let deliveries = CostCacheTests.deliveries.filter { stockKinds.contains($0.kind) || $0.kind == .items }
        try withStore(flavor) { store, _ in
            var fromCheckpoint = 0
            for (index, delivery) in deliveries.enumerated() {
                for (offset, prefix) in [Self.composed, Self.decomposed].enumerated() {
                    try CostCacheTests.append(
                        store, ("\(offset)-\(delivery.name)", delivery.kind, delivery.rows.map { Self.spelled($0, prefix) }),
                        at: index * 2 + offset)
                }
                // Refreshed every few files, as the nightly job would: SKUs replay from checkpoints.
                if index % 5 == 4 {
                    fromCheckpoint += try store.refreshCostCache(rebuild: false, checkpointSpacing: CostCacheTests.spacing).skusFromCheckpoint
                }
            }
            _ = try store.refreshCostCache(rebuild: false, checkpointSpacing: CostCacheTests.spacing)
            #expect(fromCheckpoint > 10, "refreshes should replay SKUs from checkpoints: \(fromCheckpoint)")
            let incremental = try store.cachedContents()
            let (nfc, nfd) = (Self.twin(incremental, Self.composed), Self.twin(incremental, Self.decomposed))
            #expect(!nfc.lines.isEmpty && !nfc.deltas.isEmpty)
            #expect(Self.firstDifference(nfc.lines, nfd.lines) == nil)
            #expect(Self.firstDifference(nfc.deltas, nfd.deltas) == nil)
            let skus = try store.costSKUs()
            #expect(skus.count == 2 * skus.filter { Self.unspelled($0, Self.composed) != nil }.count)

            // From nothing, the same; and the engine over the ledger agrees with the cache and
            // with the plain sums (verify).
            _ = try store.refreshCostCache(rebuild: true, checkpointSpacing: CostCacheTests.spacing)
            let rebuilt = try store.cachedContents()
            #expect(Self.firstDifference(Self.twin(rebuilt, Self.composed).lines, nfc.lines) == nil)
            #expect(Self.firstDifference(Self.twin(rebuilt, Self.decomposed).deltas, nfd.deltas) == nil)
            let report = try LedgerVerifier.verify(store)
            #expect(report.passed, "\(report.findings.prefix(3).map(\.message))")

            // Each twin's positions: the same figures at their own locations.
            let positions = try store.cachedPositions(through: Instant(nanosecondsSinceEpoch: .max), sku: nil)
            func figures(_ prefix: String) -> [String] {
                positions.compactMap { position in
                    guard let sku = Self.unspelled(position.sku, prefix), let location = Self.unspelled(position.location, prefix)
                    else { return nil }
                    return "\(sku) \(location) \(position.quantityOnHand) \(position.value) \(position.pendingQuantity)"
                }
            }
            #expect(!figures(Self.composed).isEmpty)
            #expect(Self.firstDifference(figures(Self.composed), figures(Self.decomposed)) == nil)
        }
    }
}
