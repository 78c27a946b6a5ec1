// A selection of SKUs in SQL: ` WHERE sku IN ($1, $2, …)` with the SKUs as bound values (never
// in the SQL's text), for the cost cache's reads of a chunk of SKUs.
import CountinghouseCore

enum SKUSelection {
    /// The condition (empty for every SKU) and its values.
    static func condition(_ skus: Set<String>?) -> (sql: String, values: [FieldValue]) {
        guard let skus else { return ("", []) }
        // An empty selection selects nothing (IN () is not SQL).
        guard !skus.isEmpty else { return (" WHERE 1 = 0", []) }
        let sorted = skus.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let placeholders = (1...sorted.count).map { "$\($0)" }.joined(separator: ", ")
        return (" WHERE sku IN (\(placeholders))", sorted.map(FieldValue.text))
    }
}

extension SQLLedgerStore {
    public func costSKUs() throws -> [String] {
        var skus = Set<String>()
        let tables = stockKinds.map(\.schema.tableName) + ["cost_cache_outflows", "cost_cache_deltas", "cost_cache_postings", "cost_cache_checkpoints", "cost_cache_links",
        ]
        for table in tables {
            for row in try queryRows("SELECT DISTINCT sku FROM \(table)", [], integerColumns: [false]) {
                if case .text(let sku) = row[0] { skus.insert(sku) }
            }
        }
        return skus.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
