// The anchors of the ledger's hash chains (SEMANTICS §7.7): with every file, how many rows it put
// into its ledger table and the table's chain head after them, so that `verify` finds what the
// chain alone cannot: a row deleted at the end of a table (the chain of what is left still holds),
// or rows added or removed with their file's id.
//
// Place in the pipeline: `SQLLedgerStore.append` writes a file's anchor in the same transaction as
// the file's record and rows; schema version 6 creates `file_anchors` (append-only, like `files`)
// and fills it for the files already in the ledger; `verifyAnchors` compares every anchor with the
// ledger. Invariants: rows of a file are contiguous in their table's seq order and files are
// appended in id order, so the chain head after file F is the hash of the last row whose file id is
// at most F's (the previous head when F added no row; 64 zeros, `HashChain.genesis`, before any
// row); the table's last row is the chain head the last file of its kind recorded.
// Errors a user can see: `AnchorBreak`s, listed by `verify` under "ledger hash chains", each
// naming the table and the file (its name and id).
import CountinghouseCore

/// A difference between a file's anchor and the ledger.
public struct AnchorBreak: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    /// The file the anchor belongs to (nil for a finding about the table as a whole).
    public var fileID: Int64?
    public var description: String

    public init(table: String, fileID: Int64?, description: String) {
        self.table = table
        self.fileID = fileID
        self.description = description
    }
}

enum FileAnchorSQL {
    static let columns = ["file_id", "ledger_table", "rows_accepted", "chain_head"]

    /// Schema version 6 (the append-only triggers and the anchors of the files already in the
    /// ledger are added by the migration, in the driver's dialect and from the stored rows).
    static let migration = [
        """
        CREATE TABLE file_anchors (file_id BIGINT PRIMARY KEY, ledger_table TEXT NOT NULL,
        rows_accepted BIGINT NOT NULL, chain_head TEXT NOT NULL)
        """
    ]

    /// A digest's first twelve hex digits, as messages show a chain head.
    static func short(_ hex: String) -> String { hex.count > 12 ? String(hex.prefix(12)) + "…" : hex }
}

/// What one walk of a ledger table in seq order found, per file id.
struct ChainWalk {
    var rowsByFile: [Int64: Int64] = [:]
    var lastHashByFile: [Int64: String] = [:]
    /// The table's last row (seq and hash), nil for an empty table.
    var lastRow: (sequence: Int64, hash: String)?

    /// The chain head after each of these files (ids ascending): the last hash of the latest file
    /// at or before it that has rows, else genesis.
    func heads(after fileIDs: [Int64]) -> [Int64: String] {
        var heads: [Int64: String] = [:]
        let withRows = lastHashByFile.keys.sorted()
        var index = 0
        var head = HashChain.hex(HashChain.genesis)
        for id in fileIDs {
            while index < withRows.count && withRows[index] <= id {
                head = lastHashByFile[withRows[index]] ?? head
                index += 1
            }
            heads[id] = head
        }
        return heads
    }
}

extension SQLLedgerStore {
    /// Walks a ledger table's (seq, file id, hash) in seq order, a page at a time.
    func walkChain(_ table: String) throws -> ChainWalk {
        var walk = ChainWalk()
        var after = Int64.min
        while true {
            let page = try queryRows(
                "SELECT seq, file_id, row_hash FROM \(table) WHERE seq > $1 ORDER BY seq LIMIT \(Self.chainPage)",
                [.integer(after)], integerColumns: [true, true, false])
            for row in page {
                after = row[0].integerValue ?? after
                let fileID = row[1].integerValue ?? 0
                walk.rowsByFile[fileID, default: 0] += 1
                walk.lastHashByFile[fileID] = row[2].description
                walk.lastRow = (after, row[2].description)
            }
            if page.count < Self.chainPage { break }
        }
        return walk
    }

    /// Inside the append's transaction: the anchor of a file that landed.
    func insertAnchor(fileID: Int64, kind: LedgerKind, rowsAccepted: Int, chainHead: [UInt8]) throws {
        try run(
            "INSERT INTO file_anchors (file_id, ledger_table, rows_accepted, chain_head) VALUES ($1, $2, $3, $4)",
            [.integer(fileID), .text(kind.schema.tableName), .integer(Int64(rowsAccepted)), .text(HashChain.hex(chainHead))])
    }

    /// Schema version 6, inside the migration's transaction: the anchors of the files already in the
    /// ledger. The count is the one recorded with the file (`files.rows_accepted`, written when it
    /// landed), the chain head is read from the stored rows: a row removed before this migration
    /// still shows as a count that differs.
    func fillAnchors() throws {
        let files = try queryRows(
            "SELECT id, kind, rows_accepted FROM files ORDER BY id", integerColumns: [true, false, true])
        for kind in LedgerKind.allCases {
            let table = kind.schema.tableName
            let ofKind = files.filter { $0[1].description == kind.rawValue }
            guard !ofKind.isEmpty else { continue }
            let heads = try walkChain(table).heads(after: ofKind.compactMap { $0[0].integerValue })
            try bulkInsert(
                table: "file_anchors", columns: FileAnchorSQL.columns,
                rows: ofKind.map { file in
                    let id = file[0].integerValue ?? 0
                    return [.integer(id), .text(table), file[2], .text(heads[id] ?? HashChain.hex(HashChain.genesis))]
                })
        }
    }

    /// Every anchor compared with the ledger: per file, the rows of its table that carry its id and
    /// the chain head after it; per table, rows of files the ledger has no record of, and its last
    /// row against its last file's anchor.
    public func verifyAnchors() throws -> [AnchorBreak] {
        let files = try queryRows("SELECT id, name, kind FROM files ORDER BY id", integerColumns: [true, false, false])
        var anchors: [Int64: (table: String, rows: Int64, head: String)] = [:]
        for row in try queryRows(
            "SELECT file_id, ledger_table, rows_accepted, chain_head FROM file_anchors", integerColumns: [true, false, true, false])
        {
            anchors[row[0].integerValue ?? 0] = (row[1].description, row[2].integerValue ?? 0, row[3].description)
        }
        var breaks: [AnchorBreak] = []
        let fileIDs = Set(files.compactMap { $0[0].integerValue })
        for id in anchors.keys.sorted() where !fileIDs.contains(id) {
            breaks.append(AnchorBreak(
                table: "file_anchors", fileID: id,
                description: "file_anchors: the anchor of file id \(id) names a file the ledger has no record of "
                    + "(the files table was altered behind the program's back)"))
        }
        for kind in LedgerKind.allCases {
            let table = kind.schema.tableName
            let ofKind = files.filter { $0[2].description == kind.rawValue }
            let walk = try walkChain(table)
            let heads = walk.heads(after: ofKind.compactMap { $0[0].integerValue })
            var tableBreaks: [AnchorBreak] = []
            // Seqs run 1, 2, 3 … in a table, file after file: the first seq of each file's rows
            // follows from the counts recorded before it (in 128 bits: a tampered anchor may hold
            // any 64-bit count).
            var firstSequence: Int128 = 1
            let lastSequence = Int128(walk.lastRow?.sequence ?? 0)
            for file in ofKind {
                let id = file[0].integerValue ?? 0
                let named = "file \(file[1].description) (id \(id))"
                guard let anchor = anchors[id] else {
                    tableBreaks.append(AnchorBreak(
                        table: table, fileID: id,
                        description: "\(table): \(named) has no anchor (its recorded row count and chain head are "
                            + "gone from file_anchors, behind the program's back)"))
                    continue
                }
                let held = walk.rowsByFile[id] ?? 0
                let head = heads[id] ?? HashChain.hex(HashChain.genesis)
                let sequences = (first: firstSequence, last: firstSequence + Int128(anchor.rows) - 1)
                firstSequence += Int128(max(0, anchor.rows))
                if anchor.table != table {
                    tableBreaks.append(AnchorBreak(
                        table: table, fileID: id,
                        description: "\(table): the anchor of \(named) names the table \(anchor.table) (file_anchors "
                            + "was altered behind the program's back)"))
                } else if held != anchor.rows {
                    // In 128 bits: a tampered anchor may hold any 64-bit count.
                    let difference = Int128(held) - Int128(anchor.rows)
                    let what = difference < 0
                        ? (difference == -1 ? "a row was deleted" : "rows were deleted")
                        : (difference == 1 ? "a row was added" : "rows were added")
                    // The rows it still holds are its first ones, and the rest would have come after
                    // the table's last row: they were deleted from its end (a gap in the middle is
                    // the chain's finding). Name their seqs.
                    let goneFirst = max(sequences.first, lastSequence + 1)
                    var gone = ""
                    if difference < 0, goneFirst <= sequences.last, goneFirst - sequences.first == Int128(held) {
                        gone = goneFirst == sequences.last
                            ? ", from the table's end: ledger sequence \(goneFirst)"
                            : ", from the table's end: ledger sequences \(goneFirst)–\(sequences.last)"
                    }
                    tableBreaks.append(AnchorBreak(
                        table: table, fileID: id,
                        description: "\(table): \(named) recorded \(anchor.rows) row\(anchor.rows == 1 ? "" : "s") and "
                            + "chain head \(FileAnchorSQL.short(anchor.head)); the ledger holds \(held) "
                            + "row\(held == 1 ? "" : "s") of it (\(what) behind the program's back\(gone))"))
                } else if head != anchor.head {
                    tableBreaks.append(AnchorBreak(
                        table: table, fileID: id,
                        description: "\(table): \(named) recorded chain head \(FileAnchorSQL.short(anchor.head)) but "
                            + "the chain after it ends at \(FileAnchorSQL.short(head)) (rows up to it were changed, added "
                            + "or removed behind the program's back)"))
                }
            }
            let ids = Set(ofKind.compactMap { $0[0].integerValue })
            for (id, count) in walk.rowsByFile.sorted(by: { $0.key < $1.key }) where !ids.contains(id) {
                tableBreaks.append(AnchorBreak(
                    table: table, fileID: id,
                    description: "\(table): \(count) row\(count == 1 ? "" : "s") name file id \(id), which the ledger "
                        + "has no \(kind.rawValue) file of (added behind the program's back)"))
            }
            // The table's end, when each file's anchor holds: rows after the last file, or a table
            // whose files hold no anchor of its last row.
            if tableBreaks.isEmpty {
                let lastHead = ofKind.last.flatMap { anchors[$0[0].integerValue ?? 0]?.head } ?? HashChain.hex(HashChain.genesis)
                let actual = walk.lastRow?.hash ?? HashChain.hex(HashChain.genesis)
                if actual != lastHead {
                    let last = ofKind.last.map { "file \($0[1].description) (id \($0[0].integerValue ?? 0))" } ?? "no file"
                    tableBreaks.append(AnchorBreak(
                        table: table, fileID: ofKind.last?[0].integerValue,
                        description: "\(table): the table ends at chain head \(FileAnchorSQL.short(actual)) but its "
                            + "last file, \(last), recorded \(FileAnchorSQL.short(lastHead))"))
                }
            }
            breaks += tableBreaks
        }
        return breaks
    }
}
