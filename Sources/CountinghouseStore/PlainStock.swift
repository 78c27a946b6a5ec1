// On-hand units as plain signed sums of the movements, computed in SQL apart from the engine, so
// `verify` can check the engine against it (SEMANTICS §7.4). A count is an observation: a SKU at a
// location holds its latest count plus the movements after it (movements at the count's instant
// come before it, §3.2).
import CountinghouseCore

enum PlainStockSQL {
    /// `byteOrder`: the driver's suffix that orders count ids by their bytes (two counts of a SKU at
    /// one location and instant: the greater id is the later, as the engine orders them).
    static func query(byteOrder: String) -> String {
        """
        WITH moves AS (
          SELECT sku, location, occurred_at, CASE WHEN type = 'RECEIVE' THEN quantity ELSE -quantity END AS units
            FROM ledger_purchases WHERE file_id <= $1
          UNION ALL SELECT sku, location, occurred_at, CASE WHEN type = 'RETURN' THEN quantity ELSE -quantity END
            FROM ledger_pos_lines WHERE file_id <= $1
          UNION ALL SELECT sku, from_location, occurred_at, -quantity FROM ledger_transfers WHERE type = 'SHIP' AND file_id <= $1
          UNION ALL SELECT sku, 'IN_TRANSIT', occurred_at, quantity FROM ledger_transfers WHERE type = 'SHIP' AND file_id <= $1
          UNION ALL SELECT sku, to_location, occurred_at, quantity FROM ledger_transfers WHERE type = 'RECEIVE' AND file_id <= $1
          UNION ALL SELECT sku, 'IN_TRANSIT', occurred_at, -quantity FROM ledger_transfers WHERE type = 'RECEIVE' AND file_id <= $1
        ),
        last_counts AS (
          SELECT sku, location, max(occurred_at) AS counted_at FROM ledger_counts WHERE file_id <= $1 GROUP BY sku, location
        ),
        counted AS (
          SELECT c.sku, c.location, c.counted_at,
            (SELECT k.counted_quantity FROM ledger_counts k
              WHERE k.sku = c.sku AND k.location = c.location AND k.occurred_at = c.counted_at AND k.file_id <= $1
              ORDER BY k.count_id\(byteOrder) DESC LIMIT 1) AS quantity
          FROM last_counts c
        ),
        keys AS (SELECT sku, location FROM moves UNION SELECT sku, location FROM counted)
        SELECT k.sku, k.location,
          coalesce(q.quantity, 0)
            + coalesce(sum(CASE WHEN q.counted_at IS NULL OR m.occurred_at > q.counted_at THEN m.units ELSE 0 END), 0)
        FROM keys k
        LEFT JOIN counted q ON q.sku = k.sku AND q.location = k.location
        LEFT JOIN moves m ON m.sku = k.sku AND m.location = k.location
        GROUP BY k.sku, k.location, q.quantity
        """
    }
}

extension SQLLedgerStore {
    /// On-hand units per SKU and location (and in transit) over the files up to `throughFileID`.
    public func plainOnHand(throughFileID: Int64) throws -> [SKULocation: Int64] {
        var result: [SKULocation: Int64] = [:]
        for row in try queryRows(PlainStockSQL.query(byteOrder: database.byteOrder), [.integer(throughFileID)], integerColumns: [false, false, true]) {
            result[SKULocation(sku: row[0].description, location: row[1].description)] = row[2].integerValue ?? 0
        }
        return result
    }
}
