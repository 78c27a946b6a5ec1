// Closed periods and what was posted at their close (SEMANTICS §4), in both stores.
//
// Place in the pipeline: `countinghouse close` posts a period's journal (its own entries and the
// prior-period adjustments posted with it), trial balance and valuation as known at the close;
// reports of a closed period read them back. Invariants: the tables are append-only like the
// ledger (triggers refuse UPDATE and DELETE, and TRUNCATE on PostgreSQL); a close lands whole or
// not at all (one transaction); a period is closed at most once (its primary key).
import Crypto
import Foundation
import CountinghouseCore

enum PostedPeriodSQL {
    static let tables = ["closed_periods", "posted_journal_lines", "posted_files"]

    /// Migration 3 (the append-only triggers are added by each store, in its own dialect).
    static let migration: [String] = [
        """
        CREATE TABLE closed_periods (period TEXT PRIMARY KEY, first_day TEXT NOT NULL, last_day TEXT NOT NULL,
        closed_at BIGINT NOT NULL, program_version TEXT NOT NULL)
        """,
        """
        CREATE TABLE posted_journal_lines (period TEXT NOT NULL, line_no BIGINT NOT NULL, entry_id TEXT NOT NULL,
        entry_date TEXT NOT NULL, entry_memo TEXT NOT NULL, source_type TEXT NOT NULL, source_ref TEXT NOT NULL,
        about_period TEXT NOT NULL, account_code TEXT NOT NULL, account_name TEXT NOT NULL, amount BIGINT NOT NULL,
        location TEXT NOT NULL, processor TEXT NOT NULL, memo TEXT NOT NULL, PRIMARY KEY (period, line_no))
        """,
        """
        CREATE TABLE posted_files (period TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, content TEXT NOT NULL,
        PRIMARY KEY (period, name))
        """,
    ]

    static let lineColumns = [
        "period", "line_no", "entry_id", "entry_date", "entry_memo", "source_type", "source_ref", "about_period",
        "account_code", "account_name", "amount", "location", "processor", "memo",
    ]
}

/// The sha256 of a text's UTF-8 bytes, in lower-case hex (checksums of posted and written files).
public func sha256Hex(_ text: String) -> String {
    HashChain.hex(Array(SHA256.hash(data: Array(text.utf8))))
}

/// The sha256 of a file's bytes, in lower-case hex, read in chunks (a workbook, an inbox file).
public func sha256Hex(ofFileAt path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    return HashChain.hex(Array(hasher.finalize()))
}

/// Writes a new file at `path` from the text pieces `produce` emits, in order, and returns the
/// sha256 of its bytes in lower-case hex: a long file is never whole in memory. The file is
/// created (emptied if it exists) and synced; on an error it may be left partly written.
public func writeFileHashing(at path: String, _ produce: (_ emit: (String) throws -> Void) throws -> Void) throws -> String {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    var hasher = SHA256()
    try produce { piece in
        var piece = piece
        try piece.withUTF8 { bytes in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
    }
    // A full disk may show only when the data reaches the disk (delayed allocation, NFS).
    guard fsync(descriptor) == 0 || errno == EINVAL else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return HashChain.hex(Array(hasher.finalize()))
}

/// A file posted at a close, byte for byte.
public struct PostedFile: Sendable, Hashable {
    public var name: String
    public var content: String

    public init(name: String, content: String) {
        self.name = name
        self.content = content
    }
}

public enum PostedPeriodError: Error, Sendable, Hashable, CustomStringConvertible {
    case alreadyClosed(Period)
    case unreadable(String)
    /// Files landed while the close was being computed: it would post figures that are not the
    /// ledger's as known at the close.
    case ledgerChanged(period: Period)

    public var description: String {
        switch self {
        case .alreadyClosed(let period): return "\(period) is already closed"
        case .ledgerChanged(let period):
            return "files landed while \(period) was being closed; nothing was posted: run the close again"
        case .unreadable(let detail): return "the posted periods cannot be read: \(detail)"
        }
    }
}


extension SQLLedgerStore {
    public func closedPeriods() throws -> [ClosedPeriod] {
        let periods = try queryRows(
            "SELECT period, first_day, last_day, closed_at, program_version FROM closed_periods ORDER BY first_day", [],
            integerColumns: [false, false, false, true, false])
        let lines = try queryRows(
            "SELECT " + PostedPeriodSQL.lineColumns.joined(separator: ", ")
                + " FROM posted_journal_lines ORDER BY period, line_no", [],
            integerColumns: PostedPeriodSQL.lineColumns.map { $0 == "line_no" || $0 == "amount" })
        var entriesOfPeriod: [String: [JournalEntry]] = [:]
        /// An about_period column: empty for a period's own entries.
        func about(_ text: String, line: String, of period: String) throws -> Period? {
            if text.isEmpty { return nil }
            guard let about = Period(text) else {
                throw PostedPeriodError.unreadable("posted line \(line) of \(period) is about the period \(text), which is not a month")
            }
            return about
        }
        for row in lines {
            let text = row.map(\.description)
            guard let date = CivilDate(text: text[3]) else {
                throw PostedPeriodError.unreadable("posted line \(text[1]) of \(text[0]) has the date \(text[3])")
            }
            let line = JournalLine(
                account: Account(code: text[8], name: text[9]), amount: row[10].integerValue ?? 0, location: text[11],
                processor: text[12], memo: text[13])
            var entries = entriesOfPeriod[text[0]] ?? []
            if let last = entries.last, last.id == text[2], last.date == date {
                entries[entries.count - 1].lines.append(line)
            } else {
                entries.append(
                    JournalEntry(
                        id: text[2], date: date, memo: text[4], sourceType: text[5], sourceReference: text[6], lines: [line],
                        aboutPeriod: try about(text[7], line: text[1], of: text[0])))
            }
            entriesOfPeriod[text[0]] = entries
        }
        return try periods.map { row in
            let text = row.map(\.description)
            guard let period = Period(text[0]), period.span.firstDay.description == text[1],
                period.span.lastDay.description == text[2], let closedAt = row[3].integerValue
            else { throw PostedPeriodError.unreadable("closed period \(text[0]) has the span \(text[1])..\(text[2])") }
            return ClosedPeriod(
                period: period, closedAt: Instant(nanosecondsSinceEpoch: closedAt), entries: entriesOfPeriod[text[0]] ?? [],
                programVersion: text[4])
        }
    }

    public func postedFile(period: Period, name: String) throws -> PostedFile? {
        try queryRows(
            "SELECT content FROM posted_files WHERE period = $1 AND name = $2", [.text(period.description), .text(name)],
            integerColumns: [false]
        ).first.map { PostedFile(name: name, content: $0[0].description) }
    }

    /// Posts a close under the ledger lock, so that no file lands between the count of files known
    /// and the posting.
    public func postClose(_ period: ClosedPeriod, files: [PostedFile], filesKnown: Int) throws {
        try inWriteTransaction(.ledger) {
            let landed = try queryRows(
                "SELECT count(*) FROM files WHERE recorded_at <= $1", [.integer(period.closedAt.nanosecondsSinceEpoch)],
                integerColumns: [true])
            if (landed.first?[0].integerValue ?? 0) != Int64(filesKnown) { throw PostedPeriodError.ledgerChanged(period: period.period) }
            let existing = try queryRows(
                "SELECT count(*) FROM closed_periods WHERE period = $1", [.text(period.period.description)], integerColumns: [true])
            if (existing.first?[0].integerValue ?? 0) > 0 { throw PostedPeriodError.alreadyClosed(period.period) }
            try run(
                "INSERT INTO closed_periods (period, first_day, last_day, closed_at, program_version) VALUES ($1, $2, $3, $4, $5)",
                [
                    .text(period.period.description), .text(period.span.firstDay.description), .text(period.span.lastDay.description),
                    .integer(period.closedAt.nanosecondsSinceEpoch), .text(period.programVersion),
                ])
            var rows: [[FieldValue]] = []
            var lineNumber: Int64 = 0
            for entry in period.entries {
                precondition(entry.imbalance == 0, "posting an unbalanced entry \(entry.id)")
                for line in entry.lines {
                    lineNumber += 1
                    rows.append([
                        .text(period.period.description), .integer(lineNumber), .text(entry.id), .text(entry.date.description),
                        .text(entry.memo), .text(entry.sourceType), .text(entry.sourceReference), .text(entry.aboutPeriod?.description ?? ""),
                        .text(line.account.code), .text(line.account.name), .integer(line.amount), .text(line.location),
                        .text(line.processor), .text(line.memo),
                    ])
                }
            }
            try bulkInsert(table: "posted_journal_lines", columns: PostedPeriodSQL.lineColumns, rows: rows)
            try bulkInsert(
                table: "posted_files", columns: ["period", "name", "sha256", "content"],
                rows: files.map { file in
                    [.text(period.period.description), .text(file.name), .text(sha256Hex(file.content)), .text(file.content)]
                })
        }
    }
}
