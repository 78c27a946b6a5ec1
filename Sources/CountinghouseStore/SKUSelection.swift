// A selection of SKUs in SQL: ` WHERE sku IN ($1, $2, …)` with the SKUs as bound values (never
// in the SQL's text), for the cost cache's reads of a chunk of SKUs.
import CountinghouseCore

enum SKUSelection {
    /// The condition (empty for every SKU) and its values.
    static func condition(_ skus: Set<OpaqueID>?) -> (sql: String, values: [FieldValue]) {
        guard let skus else { return ("", []) }
        // An empty selection selects nothing (IN () is not SQL).
        guard !skus.isEmpty else { return (" WHERE 1 = 0", []) }
        var values = SQLValues()
        let list = values.list(skus.sorted().map(\.text))
        return (" WHERE sku IN (\(list))", values.values)
    }
}

extension SQLLedgerStore {
    public func costSKUs() throws -> [String] {
        var skus = Set<OpaqueID>()
        let tables = stockKinds.map(\.schema.tableName) + ["cost_cache_outflows", "cost_cache_deltas", "cost_cache_postings", "cost_cache_checkpoints", "cost_cache_links",
        ]
        for table in tables {
            for row in try queryRows("SELECT DISTINCT sku FROM \(table)", [], integerColumns: [false]) {
                if case .text(let sku) = row[0] { skus.insert(OpaqueID(sku)) }
            }
        }
        return skus.sorted().map(\.text)
    }
}
