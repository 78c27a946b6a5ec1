// The few SQL operations the logic shared by both stores needs (the cost cache, verify's plain
// sums): each store implements them on its own connection, so the shared SQL is written once.
// Placeholders are `$1`, `$2`, … in both (SQLite reads them as `?1`, `?2`, …).
import CountinghouseCore

protocol SQLDatabase: AnyObject {
    /// Runs a query and returns its rows; `integerColumns` says how to read each column.
    func queryRows(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool]) throws -> [[FieldValue]]
    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ parameters: [FieldValue]) throws
    /// Inserts many rows into a table in one go (prepared statement on SQLite, COPY on PostgreSQL).
    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws
    /// Runs `body` in one write transaction.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T
    /// Inside a write transaction: makes a second cost cache refresh wait for this one (SQLite's
    /// write transactions already do; PostgreSQL's need a lock).
    func lockCostCache() throws
    /// Ledger rows of a kind matching SQL conditions on the ledger alias `l`, in ledger order.
    func storedRows(of kind: LedgerKind, where conditions: [String]) throws -> [StoredRow]
}

extension SQLiteStore: SQLDatabase {
    private func prepared(_ sql: String, _ parameters: [FieldValue]) throws -> SQLiteStatement {
        let statement = try connection.prepare(sql.replacingDollarPlaceholders())
        for (index, parameter) in parameters.enumerated() { try statement.bind(parameter, at: Int32(index + 1)) }
        return statement
    }

    func queryRows(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool]) throws -> [[FieldValue]] {
        try ensureSchema()
        let statement = try prepared(sql, parameters)
        var rows: [[FieldValue]] = []
        while try statement.step() {
            rows.append(integerColumns.enumerated().map { statement.value(Int32($0.offset), integer: $0.element) })
        }
        return rows
    }

    func run(_ sql: String, _ parameters: [FieldValue]) throws {
        try prepared(sql, parameters).run()
    }

    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws {
        guard !rows.isEmpty else { return }
        let placeholders = columns.indices.map { "?\($0 + 1)" }.joined(separator: ", ")
        let insert = try connection.prepare(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
        for row in rows {
            for (index, value) in row.enumerated() { try insert.bind(value, at: Int32(index + 1)) }
            try insert.run()
        }
    }

    func lockCostCache() throws {}

    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try ensureSchema()
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try connection.execute("COMMIT")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

extension PostgresStore: SQLDatabase {
    private static func text(_ parameters: [FieldValue]) -> [String?] {
        parameters.map { value in
            switch value {
            case .null: return nil
            case .integer(let number): return String(number)
            case .text(let text): return text
            }
        }
    }

    func queryRows(_ sql: String, _ parameters: [FieldValue], integerColumns: [Bool]) throws -> [[FieldValue]] {
        try ensureSchema()
        let result = try connection.query(sql, Self.text(parameters))
        return (0..<result.rowCount).map { row in
            integerColumns.enumerated().map { result.value(row, $0.offset, integer: $0.element) }
        }
    }

    func run(_ sql: String, _ parameters: [FieldValue]) throws {
        try connection.query(sql, Self.text(parameters))
    }

    func bulkInsert(table: String, columns: [String], rows: [[FieldValue]]) throws {
        guard !rows.isEmpty else { return }
        try connection.copyIn("COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN") { writer in
            for row in rows {
                for (index, value) in row.enumerated() {
                    if index > 0 { writer.separator() }
                    writer.field(value)
                }
                try writer.endLine()
            }
        }
    }

    /// Readers of the cache go on reading their snapshot; a second refresh waits, then finds the
    /// cache up to date.
    func lockCostCache() throws {
        try connection.execute("LOCK TABLE cost_cache_state IN EXCLUSIVE MODE")
    }

    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try ensureSchema()
        try connection.execute("BEGIN")
        do {
            let result = try body()
            try connection.execute("COMMIT")
            return result
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

extension String {
    /// `$1` → `?1` for SQLite (outside string literals, which the shared SQL does not put them in).
    func replacingDollarPlaceholders() -> String {
        var result = ""
        var previousWasDollar = false
        for character in self {
            if character == "$" {
                previousWasDollar = true
                continue
            }
            if previousWasDollar {
                result.append(character.isNumber ? "?" : "$")
                previousWasDollar = false
            }
            result.append(character)
        }
        if previousWasDollar { result.append("$") }
        return result
    }
}
