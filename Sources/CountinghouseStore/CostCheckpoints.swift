// The cost cache's checkpoints (SEMANTICS §3.6): per SKU the engine's state at settled day
// boundaries (`CostCheckpoint`), and per return or transfer receipt the line it names and the units
// it counted (`ReferenceLink`), so a refresh replays a SKU with late rows from the last checkpoint
// before the earliest of them instead of from its first event (see FIFOCheckpoint.swift).
//
// Tables (schema version 5): `cost_cache_checkpoints` (sku, boundary, sequence_offset), their
// open layers and latest receipts in `cost_cache_checkpoint_entries`, and `cost_cache_links`. Like
// the rest of the cache they are rebuildable and not append-only. The ledger's SKU indexes become
// (sku, occurred_at), so a SKU's events after a boundary are one range.
import CountinghouseCore

enum CostCheckpointSQL {
    static let migration: [String] = {
        var statements = [
            """
            CREATE TABLE cost_cache_checkpoints (sku TEXT NOT NULL, boundary BIGINT NOT NULL,
            sequence_offset BIGINT NOT NULL, PRIMARY KEY (sku, boundary))
            """,
            """
            CREATE TABLE cost_cache_checkpoint_entries (sku TEXT NOT NULL, boundary BIGINT NOT NULL,
            ordinal BIGINT NOT NULL, role TEXT NOT NULL, location TEXT NOT NULL, units BIGINT NOT NULL,
            value BIGINT NOT NULL, provisional BIGINT NOT NULL, fallback TEXT NOT NULL, purchase BIGINT NOT NULL,
            source_kind TEXT NOT NULL, document_id TEXT NOT NULL, line_no BIGINT, receipt_no BIGINT,
            file_name TEXT NOT NULL, file_row BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
            PRIMARY KEY (sku, boundary, ordinal))
            """,
            """
            CREATE TABLE cost_cache_links (sku TEXT NOT NULL, sequence BIGINT NOT NULL, kind TEXT NOT NULL,
            document_id TEXT NOT NULL, line_no BIGINT NOT NULL, counted_units BIGINT NOT NULL,
            layer_units BIGINT NOT NULL, PRIMARY KEY (sku, sequence))
            """,
            // The cache is rebuilt with checkpoints on the next refresh.
            "DELETE FROM cost_cache_state",
        ]
        for kind in stockKinds {
            let table = kind.schema.tableName
            statements.append("DROP INDEX \(table)_sku")
            statements.append("CREATE INDEX \(table)_sku_occurred_at ON \(table) (sku, occurred_at)")
        }
        return statements
    }()

    static let checkpointColumns = ["sku", "boundary", "sequence_offset"]
    static let entryColumns = [
        "sku", "boundary", "ordinal", "role", "location", "units", "value", "provisional", "fallback", "purchase",
        "source_kind", "document_id", "line_no", "receipt_no", "file_name", "file_row", "recorded_at",
    ]
    static let entryIntegerColumns = [
        false, true, true, false, false, true, true, true, false, true, false, false, true, true, false, true, true,
    ]
    static let linkColumns = ["sku", "sequence", "kind", "document_id", "line_no", "counted_units", "layer_units"]
    static let linkIntegerColumns = [false, true, false, false, true, true, true]

    /// The roles of checkpoint entries.
    static let layerRole = "LAYER"
    static let receiptHereRole = "RECEIPT_HERE"
    static let latestReceiptRole = "RECEIPT_LATEST"

    /// `(sku = $1 AND column op $2) OR …`: one range per SKU, its code and bound bound in `values`.
    static func perSKU(
        _ bounds: [(sku: String, value: Int64)], column: String, _ comparison: String, skuColumn: String = "sku",
        _ values: inout SQLValues
    ) -> String {
        "(" + bounds.map { "(\(skuColumn) = \(values.bind($0.sku)) AND \(column) \(comparison) \(values.bind(.integer($0.value))))" }
            .joined(separator: " OR ") + ")"
    }

    static func rows(_ checkpoint: CostCheckpoint) -> (header: [FieldValue], entries: [[FieldValue]]) {
        let sku = FieldValue.text(checkpoint.sku)
        let boundary = FieldValue.integer(checkpoint.boundary.nanosecondsSinceEpoch)
        var entries: [[FieldValue]] = []
        for layer in checkpoint.layers {
            let source = layer.source
            entries.append([
                sku, boundary, .integer(Int64(entries.count)), .text(layerRole), .text(layer.location), .integer(layer.units),
                .integer(layer.value), .integer(layer.provisional ? 1 : 0), .text(layer.fallback?.rawValue ?? ""),
                .integer(layer.isPurchase ? 1 : 0), .text(source.kind.rawValue), .text(source.documentID),
                source.lineNumber.map(FieldValue.integer) ?? .null, source.receiptNumber.map(FieldValue.integer) ?? .null,
                .text(source.fileName), .integer(Int64(source.fileRow)), .integer(source.recordedAt.nanosecondsSinceEpoch),
            ])
        }
        for receipt in checkpoint.receipts {
            entries.append([
                sku, boundary, .integer(Int64(entries.count)), .text(receipt.latestAnywhere ? latestReceiptRole : receiptHereRole),
                .text(receipt.location), .integer(receipt.quantity), .integer(receipt.value), .integer(0), .text(""),
                .integer(1), .text(""), .text(""), .null, .null, .text(""), .integer(0), .integer(0),
            ])
        }
        return ([sku, boundary, .integer(checkpoint.sequenceOffset)], entries)
    }

    static func row(_ link: ReferenceLink) -> [FieldValue] {
        [
            .text(link.sku), .integer(link.sequence), .text(link.kind.rawValue), .text(link.documentID),
            .integer(link.lineNumber), .integer(link.countedUnits), .integer(link.layerUnits),
        ]
    }

    static func link(_ row: [FieldValue]) -> ReferenceLink? {
        guard let kind = ReferenceKind(rawValue: row[2].description) else { return nil }
        return ReferenceLink(
            sku: row[0].description, sequence: row[1].integerValue ?? 0, kind: kind, documentID: row[3].description,
            lineNumber: row[4].integerValue ?? 0, countedUnits: row[5].integerValue ?? 0, layerUnits: row[6].integerValue ?? 0)
    }
}

/// A checkpoint's key in the cache.
struct CheckpointKey: Hashable {
    /// By its bytes (FORMATS §1).
    var sku: OpaqueID
    var boundary: Int64

    init(sku: String, boundary: Int64) {
        self.sku = OpaqueID(sku)
        self.boundary = boundary
    }
}

extension CheckpointKey {
    init(_ checkpoint: CostCheckpoint) {
        self.init(sku: checkpoint.sku, boundary: checkpoint.boundary.nanosecondsSinceEpoch)
    }
}

extension SQLLedgerStore {
    /// The checkpoints of the given SKUs: per SKU, (boundary, sequence offset) in boundary order.
    func checkpointBoundaries(skus: [OpaqueID]) throws -> [OpaqueID: [CheckpointBoundary]] {
        guard !skus.isEmpty else { return [:] }
        var result: [OpaqueID: [CheckpointBoundary]] = [:]
        var values = SQLValues()
        for row in try queryRows(
            "SELECT sku, boundary, sequence_offset FROM cost_cache_checkpoints WHERE sku IN (\(values.list(skus.map(\.text)))) "
                + "ORDER BY sku, boundary", values.values, integerColumns: [false, true, true])
        {
            result[OpaqueID(row[0].description), default: []].append(
                CheckpointBoundary(boundary: row[1].integerValue ?? 0, offset: row[2].integerValue ?? 0))
        }
        return result
    }

    /// The checkpoints themselves (layers and receipts), for (SKU, boundary, offset) triples, by
    /// SKU and boundary.
    func checkpoints(_ chosen: [(sku: String, boundary: Int64, offset: Int64)]) throws -> [CheckpointKey: CostCheckpoint] {
        var result: [CheckpointKey: CostCheckpoint] = [:]
        for entry in chosen {
            result[CheckpointKey(sku: entry.sku, boundary: entry.boundary)] = CostCheckpoint(
                sku: entry.sku, boundary: Instant(nanosecondsSinceEpoch: entry.boundary), sequenceOffset: entry.offset,
                layers: [], receipts: [])
        }
        guard !chosen.isEmpty else { return result }
        var values = SQLValues()
        let rows = try queryRows(
            "SELECT \(CostCheckpointSQL.entryColumns.joined(separator: ", ")) FROM cost_cache_checkpoint_entries WHERE "
                + CostCheckpointSQL.perSKU(chosen.map { ($0.sku, $0.boundary) }, column: "boundary", "=", &values)
                + " ORDER BY sku, ordinal", values.values, integerColumns: CostCheckpointSQL.entryIntegerColumns)
        for row in rows {
            let key = CheckpointKey(sku: row[0].description, boundary: row[1].integerValue ?? 0)
            let location = row[4].description
            switch row[3].description {
            case CostCheckpointSQL.layerRole:
                let source = SourceReference(
                    kind: LedgerKind(rawValue: row[10].description) ?? .purchases, documentID: row[11].description,
                    lineNumber: row[12].integerValue, receiptNumber: row[13].integerValue, fileName: row[14].description,
                    fileRow: Int(row[15].integerValue ?? 0), recordedAt: Instant(nanosecondsSinceEpoch: row[16].integerValue ?? 0))
                result[key]?.layers.append(OpeningLayer(
                    location: location, source: source, isPurchase: row[9].integerValue == 1, units: row[5].integerValue ?? 0,
                    value: row[6].integerValue ?? 0, provisional: row[7].integerValue == 1,
                    fallback: FallbackSource(rawValue: row[8].description)))
            default:
                result[key]?.receipts.append(OpeningReceipt(
                    location: location, latestAnywhere: row[3].description == CostCheckpointSQL.latestReceiptRole,
                    value: row[6].integerValue ?? 0, quantity: row[5].integerValue ?? 0))
            }
        }
        return result
    }

    /// The links before each SKU's checkpoint.
    func priorLinks(_ chosen: [(sku: String, boundary: Int64, offset: Int64)]) throws -> [OpaqueID: [ReferenceLink]] {
        guard !chosen.isEmpty else { return [:] }
        var result: [OpaqueID: [ReferenceLink]] = [:]
        var values = SQLValues()
        for row in try queryRows(
            "SELECT \(CostCheckpointSQL.linkColumns.joined(separator: ", ")) FROM cost_cache_links WHERE "
                + CostCheckpointSQL.perSKU(chosen.map { ($0.sku, $0.offset) }, column: "sequence", "<", &values)
                + " ORDER BY sku, sequence", values.values, integerColumns: CostCheckpointSQL.linkIntegerColumns)
        {
            if let link = CostCheckpointSQL.link(row) { result[OpaqueID(link.sku), default: []].append(link) }
        }
        return result
    }

    /// The cached sale and shipment lines before each SKU's checkpoint whose documents are named.
    /// A statement binds at most `parametersPerStatement` values (SQLite allows 32766, PostgreSQL
    /// 65535): a SKU naming more documents than that is asked about in pieces.
    func priorLines(_ named: [(sku: String, offset: Int64, documents: [String])]) throws -> [OpaqueID: [CogsLine]] {
        var result: [OpaqueID: [CogsLine]] = [:]
        let pieces = named.flatMap { entry in
            entry.documents.chunked(into: Self.parametersPerStatement / 2).map { (entry.sku, entry.offset, $0) }
        }
        var start = 0
        while start < pieces.count {
            var values = SQLValues()
            var terms: [String] = []
            var end = start
            while end < pieces.count && (terms.isEmpty || values.values.count + pieces[end].2.count + 2 <= Self.parametersPerStatement) {
                let (sku, offset, documents) = pieces[end]
                terms.append(
                    "(sku = \(values.bind(sku)) AND sequence < \(values.bind(.integer(offset))) AND document_id IN (\(values.list(documents))))")
                end += 1
            }
            start = end
            for row in try queryRows(
                "SELECT \(CostCacheSQL.outflowColumns.joined(separator: ", ")) FROM cost_cache_outflows WHERE kind IN ('SALE', 'TRANSFER_SHIP') AND ("
                    + terms.joined(separator: " OR ") + ")", values.values, integerColumns: CostCacheSQL.outflowIntegerColumns)
            {
                if let line = Self.cogsLine(row) { result[OpaqueID(line.sku), default: []].append(line) }
            }
        }
        return result
    }

    /// The most values one statement binds when a list of them can grow with the ledger.
    static let parametersPerStatement = 10_000

    /// Removes a SKU's cached rows from its checkpoint on (and the checkpoints after it).
    func deleteCachedRows(after chosen: [(sku: String, boundary: Int64, offset: Int64)]) throws {
        guard !chosen.isEmpty else { return }
        var sequenceValues = SQLValues()
        let bySequence = CostCheckpointSQL.perSKU(chosen.map { ($0.sku, $0.offset) }, column: "sequence", ">=", &sequenceValues)
        for table in ["cost_cache_outflows", "cost_cache_deltas", "cost_cache_postings", "cost_cache_links"] {
            try run("DELETE FROM \(table) WHERE \(bySequence)", sequenceValues.values)
        }
        var boundaryValues = SQLValues()
        let byBoundary = CostCheckpointSQL.perSKU(chosen.map { ($0.sku, $0.boundary) }, column: "boundary", ">", &boundaryValues)
        try run("DELETE FROM cost_cache_checkpoint_entries WHERE \(byBoundary)", boundaryValues.values)
        try run("DELETE FROM cost_cache_checkpoints WHERE \(byBoundary)", boundaryValues.values)
    }

    func insertCheckpointsAndLinks(_ checkpoints: [CostCheckpoint], _ links: [ReferenceLink]) throws {
        var headers: [[FieldValue]] = []
        var entries: [[FieldValue]] = []
        for checkpoint in checkpoints {
            let rows = CostCheckpointSQL.rows(checkpoint)
            headers.append(rows.header)
            entries += rows.entries
        }
        try bulkInsert(table: "cost_cache_checkpoints", columns: CostCheckpointSQL.checkpointColumns, rows: headers)
        try bulkInsert(table: "cost_cache_checkpoint_entries", columns: CostCheckpointSQL.entryColumns, rows: entries)
        try bulkInsert(table: "cost_cache_links", columns: CostCheckpointSQL.linkColumns, rows: links.map(CostCheckpointSQL.row))
    }
}

extension SQLLedgerStore {
    /// Every cached checkpoint (by SKU and boundary) and link (by SKU and sequence).
    public func cachedCheckpoints() throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink]) {
        try cachedCheckpoints(skus: nil)
    }

    /// The cached checkpoints and reference links of the given SKUs (all when nil), by SKU.
    public func cachedCheckpoints(skus: Set<OpaqueID>?) throws -> (checkpoints: [CostCheckpoint], links: [ReferenceLink]) {
        let (condition, values) = SKUSelection.condition(skus)
        let headers = try queryRows(
            "SELECT sku, boundary, sequence_offset FROM cost_cache_checkpoints\(condition) ORDER BY sku, boundary", values,
            integerColumns: [false, true, true])
        let chosen = headers.map { ($0[0].description, $0[1].integerValue ?? 0, $0[2].integerValue ?? 0) }
        var checkpoints: [CostCheckpoint] = []
        for chunk in chosen.chunked(into: 200) {
            let loaded = try self.checkpoints(chunk)
            checkpoints += chunk.compactMap { loaded[CheckpointKey(sku: $0.0, boundary: $0.1)] }
        }
        let links = try queryRows(
            "SELECT \(CostCheckpointSQL.linkColumns.joined(separator: ", ")) FROM cost_cache_links\(condition) ORDER BY sku, sequence", values,
            integerColumns: CostCheckpointSQL.linkIntegerColumns
        ).compactMap(CostCheckpointSQL.link)
        return (checkpoints, links)
    }
}
