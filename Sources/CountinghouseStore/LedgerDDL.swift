// The SQL both stores generate from `KindSchema`: ledger columns, indexes, the stored-row select, and
// the bound values of conditions (`SQLValues`), identical in SQLite and PostgreSQL.
//
// Place in the pipeline: migrations create the ledger tables from these pieces; reads select
// through them. Invariants: only SQL both databases understand (no dialect-specific syntax here);
// SQL text is built from identifiers and keywords the program names and from integers it holds as
// `Int64`, never from input text: a value from a file (a SKU, a document id, a name) reaches the
// database only as a bound parameter (`SQLValues`) or through COPY / a prepared insert.
// Errors a user can see: none.
import CountinghouseCore

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

    /// The stored rows of a kind matching conditions on `l` (their values bound, `SQLValues`), in
    /// ledger order.
    static func selectStored(_ schema: KindSchema, where conditions: [String], limit: Int? = nil) -> String {
        "SELECT \(storedColumns(schema)) FROM \(schema.tableName) l JOIN files f ON f.id = l.file_id"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY l.seq"
            + (limit.map { " LIMIT \($0)" } ?? "")
    }

    /// The schema columns, then the bookkeeping columns, as `rows()` selects them.
    static func columnList(_ schema: KindSchema, prefix: String = "") -> String {
        schema.columns.map { prefix + $0.storedName }.joined(separator: ", ")
    }

    /// `name TYPE [NOT NULL]` for each schema column (those a table had at `version`, when given).
    static func columnDefinitions(_ schema: KindSchema, atSchema version: Int? = nil) -> [String] {
        (version.map(schema.columns(atSchema:)) ?? schema.columns).map(columnDefinition)
    }

    static func columnDefinition(_ column: ColumnSpec) -> String {
        "\(column.storedName) \(column.type.isInteger ? "BIGINT" : "TEXT")\(column.requiredInFile ? " NOT NULL" : "")"
    }

    /// The statements that add the columns of schema `version` to the ledger tables.
    static func addedColumns(atSchema version: Int) -> [String] {
        LedgerKind.allCases.flatMap { kind in
            kind.schema.columns.filter { $0.sinceSchema == version }.map { column in
                "ALTER TABLE \(kind.schema.tableName) ADD COLUMN \(columnDefinition(column))"
            }
        }
    }

    /// Schema version 1's secondary indexes on a ledger table (the natural key, knowledge time,
    /// occurrence time and, for transfers, the transfer line), identical in both stores. Version 9
    /// drops the knowledge-time one (`recordedAtIndex`), version 11 the occurrence-time one
    /// (`occurredAtIndex`); these statements stay as released.
    static func indexes(_ schema: KindSchema) -> [String] {
        let table = schema.tableName
        var statements: [String] = []
        if schema.versioned {
            statements.append("CREATE INDEX \(table)_natural_key ON \(table) (natural_key, seq)")
        } else {
            statements.append("CREATE UNIQUE INDEX \(table)_natural_key ON \(table) (natural_key)")
        }
        statements.append("CREATE INDEX \(recordedAtIndex(schema)) ON \(table) (recorded_at)")
        if schema.occurredAt != nil {
            statements.append("CREATE INDEX \(occurredAtIndex(schema)) ON \(table) (occurred_at)")
        }
        if schema.kind == .transfers {
            statements.append("CREATE INDEX \(table)_line ON \(table) (transfer_id, line_no)")
        }
        return statements
    }

    /// The index on a ledger table's `recorded_at` that version 1 created and version 9 drops: no
    /// read needs it. A read "as known at T" goes in seq order (or through the SKU, occurred_at or
    /// natural-key index) and filters on `recorded_at`; the rows known at T are a prefix of seq
    /// order (an ingest never goes back in time, one writer assigns seq). SQLite's planner scanned
    /// by seq with or without it; PostgreSQL's took it for a T that knows few of the rows, which
    /// now reads the table in seq order. Every ingest paid its upkeep. The same name in both stores.
    static func recordedAtIndex(_ schema: KindSchema) -> String { "\(schema.tableName)_recorded_at" }

    /// The index on a ledger table's `occurred_at` that version 1 created and version 11 drops: no
    /// read goes through it. Every read of the ledger goes in seq order or, for the cost refresh and
    /// `trail`, through (sku, occurred_at) (CostCheckpointSQL); PostgreSQL's statistics over a
    /// demo's nightly runs, close, reports, `stock --as-of`, `trail`, `cost`, `reconcile` and
    /// `verify` counted no scan of it. Every ingest paid its upkeep (docs/SCALING.md). A period's
    /// own rows, when a read wants them alone, are a range an index made for that read can serve
    /// (on PostgreSQL a BRIN: the rows come in about the order they occurred). The same name in
    /// both stores.
    static func occurredAtIndex(_ schema: KindSchema) -> String { "\(schema.tableName)_occurred_at" }
}

/// The values a statement binds to its placeholders (`$1`, `$2`, … in both stores), numbered as
/// they are added: a condition on input text names it by its placeholder, never by its text.
struct SQLValues {
    private(set) var values: [FieldValue] = []

    /// The placeholder of a new value.
    mutating func bind(_ value: FieldValue) -> String {
        values.append(value)
        return "$\(values.count)"
    }

    mutating func bind(_ text: String) -> String { bind(.text(text)) }

    /// `$n, $n+1, …`: one placeholder per text, for `IN (…)`.
    mutating func list(_ texts: some Sequence<String>) -> String {
        texts.map { bind($0) }.joined(separator: ", ")
    }
}
