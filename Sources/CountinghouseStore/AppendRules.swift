// The duplicate/conflict decision of an append (SEMANTICS §1, §3.3), one pure function both stores
// call: given what a store found about an incoming row, is it new, a new version, a duplicate, or
// refused (a key repeated in its file, a conflict, a transfer line that differs)?
//
// Place in the pipeline: each store gathers the facts its own way (SQLite probes an index per row
// where a key is taken; PostgreSQL joins a staging table with the ledger) and asks `decide`; the
// refusals become `RowError`s through `LedgerMessages`. Invariants, in the order they apply:
//  1. a natural key repeated inside one file is a row error, even for identical rows;
//  2. a key the ledger holds with identical content is a duplicate (skipped; never a mismatch);
//  3. with other content it is a conflict, except for a versioned kind (items), where it is a new
//     version of the key;
//  4. a transfer row whose line is in the ledger with another SKU or other locations is refused;
//  5. anything else is new.
// Errors a user can see: the `RowError`s of refused rows (formats in LedgerMessages.swift).
import CountinghouseCore

/// What the ledger holds for an incoming row's natural key (for a versioned kind: its latest
/// version).
enum LedgerMatch {
    case absent
    case identical
    case different(StoredRow)
}

/// What a store found about one incoming row.
struct AppendFacts {
    /// The source row of an earlier row of the same file with the same natural key.
    var earlierRowInFile: Int?
    var ledger: LedgerMatch
    /// For transfers: a ledger row of the same transfer line (another key, an earlier file) with
    /// another SKU or other locations.
    var transferLineMismatch: StoredRow?

    init(earlierRowInFile: Int? = nil, ledger: LedgerMatch = .absent, transferLineMismatch: StoredRow? = nil) {
        self.earlierRowInFile = earlierRowInFile
        self.ledger = ledger
        self.transferLineMismatch = transferLineMismatch
    }
}

enum AppendDecision: Equatable {
    /// A key the ledger does not hold: the row goes in.
    case new
    /// A versioned kind's key whose latest version differs: the row goes in as its next version.
    case newVersion
    /// Identical to the ledger's row: skipped and counted.
    case duplicate
    case repeatedKey(firstRow: Int)
    case conflict(existing: StoredRow)
    case transferMismatch(existing: StoredRow)

    /// The row error of a refused row; nil for a row that goes in or is skipped.
    func rowError(fileName: String, incoming: LedgerRow) -> RowError? {
        switch self {
        case .new, .newVersion, .duplicate: return nil
        case .repeatedKey(let firstRow):
            return LedgerMessages.repeatedKey(fileName: fileName, row: incoming, firstRow: firstRow)
        case .conflict(let existing):
            return LedgerMessages.conflict(fileName: fileName, incoming: incoming, existing: existing)
        case .transferMismatch(let existing):
            return LedgerMessages.transferMismatch(fileName: fileName, incoming: incoming, existing: existing)
        }
    }
}

enum AppendRules {
    /// The decision for one incoming row of a kind (see the file comment for the rules' order).
    @inline(__always)
    static func decide(versioned: Bool, _ facts: AppendFacts) -> AppendDecision {
        if let firstRow = facts.earlierRowInFile { return .repeatedKey(firstRow: firstRow) }
        var newVersion = false
        switch facts.ledger {
        case .absent:
            break
        case .identical:
            return .duplicate
        case .different(let existing):
            guard versioned else { return .conflict(existing: existing) }
            newVersion = true
        }
        if let other = facts.transferLineMismatch { return .transferMismatch(existing: other) }
        return newVersion ? .newVersion : .new
    }
}
