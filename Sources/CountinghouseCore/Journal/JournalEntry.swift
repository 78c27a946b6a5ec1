// Journal entries and lines (SEMANTICS §5): the books' unit of record.
//
// Invariants: amounts are signed minor units, debit positive and credit negative; every entry's
// lines sum to zero exactly (asserted when it is made, before anything can be written); a line
// with a zero amount is never kept. Location and processor are dimensions on each line.

public struct JournalLine: Sendable, Hashable {
    public var account: Account
    /// Debit positive, credit negative.
    public var amount: Int64
    public var location: String
    public var processor: String
    public var memo: String

    public init(account: Account, amount: Int64, location: String = "", processor: String = "", memo: String = "") {
        self.account = account
        self.amount = amount
        self.location = location
        self.processor = processor
        self.memo = memo
    }

    public var debit: Int64 { amount > 0 ? amount : 0 }
    public var credit: Int64 { amount < 0 ? -amount : 0 }
}

public struct JournalEntry: Sendable, Hashable {
    /// What the entry summarises: the drill-down's way back to its rows.
    public let key: EntryKey
    /// Unique in the journal, e.g. `SALES:2026-11-05:S01`: the key as text (journal.csv's entry_id).
    public let id: String
    public var date: CivilDate
    public var memo: String
    /// What the entry summarises (`pos`, `cost_of_sales`, `purchases`, …) and which of it: the
    /// drill-down from a journal line to the ledger rows behind it.
    public var sourceType: String
    public var sourceReference: String
    public var lines: [JournalLine]
    /// For prior-period adjustments: the closed period whose late knowledge this is; nil for the
    /// entries of the period the entry is dated in.
    public var aboutPeriod: Period?

    public init(
        key: EntryKey, date: CivilDate, memo: String, sourceType: String, sourceReference: String, lines: [JournalLine],
        aboutPeriod: Period? = nil
    ) {
        self.key = key
        self.id = key.description
        self.date = date
        self.memo = memo
        self.sourceType = sourceType
        self.sourceReference = sourceReference
        self.lines = lines
        self.aboutPeriod = aboutPeriod
    }

    /// An entry read back from where it was posted, its id as text.
    public init(
        id: String, date: CivilDate, memo: String, sourceType: String, sourceReference: String, lines: [JournalLine],
        aboutPeriod: Period? = nil
    ) {
        self.init(
            key: EntryKey(parsing: id), date: date, memo: memo, sourceType: sourceType, sourceReference: sourceReference,
            lines: lines, aboutPeriod: aboutPeriod)
    }

    /// The journal's order: by date, then id in byte order.
    public static func precedes(_ a: JournalEntry, _ b: JournalEntry) -> Bool {
        a.date != b.date ? a.date < b.date : a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }

    /// The sum of the lines (zero for a balanced entry; posted lines altered behind the program's
    /// back can make it anything, hence 128 bits).
    public var imbalance: Int128 { lines.reduce(Int128(0)) { $0 + Int128($1.amount) } }
}

/// Collects an entry's lines, adding amounts that go to the same account, location, processor
/// and memo, in the order they first appear; `entry` drops zero lines and asserts the balance.
/// Amounts are summed without overflow (`Sum`); a line too large for 64 bits is an error naming
/// the entry and the account, never a trap.
public struct EntryBuilder {
    private var order: [LineKey] = []
    private var amounts: [LineKey: Sum] = [:]

    /// The location, processor and memo by their bytes (FORMATS §1), not canonical equivalence.
    private struct LineKey: Hashable {
        var account: Account
        var location: OpaqueID
        var processor: OpaqueID
        var memo: OpaqueID
    }

    public init() {}

    public mutating func post(_ account: Account, _ amount: Int64, location: String = "", processor: String = "", memo: String) {
        post(account, Sum(amount), location: location, processor: processor, memo: memo)
    }

    public mutating func post(_ account: Account, _ amount: Sum, location: String = "", processor: String = "", memo: String) {
        let key = LineKey(account: account, location: OpaqueID(location), processor: OpaqueID(processor), memo: OpaqueID(memo))
        if amounts[key] == nil { order.append(key) }
        amounts[key, default: Sum()] += amount
    }

    /// The lines' sum so far (debit positive).
    public var total: Sum { amounts.values.reduce(Sum(), +) }

    public var isEmpty: Bool { order.allSatisfy { amounts[$0]?.isZero ?? true } }

    public func entry(key: EntryKey, date: CivilDate, memo: String, sourceType: String, sourceReference: String) throws(OutOfRange)
        -> JournalEntry
    {
        var lines: [JournalLine] = []
        for line in order {
            guard let sum = amounts[line], !sum.isZero else { continue }
            let location = line.location.text
            let amount = try sum.value("journal entry \(key), account \(line.account.code)\(location.isEmpty ? "" : " at \(location)")")
            lines.append(
                JournalLine(account: line.account, amount: amount, location: location, processor: line.processor.text, memo: line.memo.text))
        }
        let entry = JournalEntry(
            key: key, date: date, memo: memo, sourceType: sourceType, sourceReference: sourceReference, lines: lines)
        precondition(total.isZero, "journal entry \(key) does not balance: \(total.total)")
        return entry
    }
}

/// An account code, location and processor: the grain at which journal lines are summed (drift,
/// adjustments, balances brought forward), ordered by code, location, then processor in byte order.
struct AccountLineKey: Hashable, Comparable {
    var code: String
    var location: String
    var processor: String

    init(code: String, location: String, processor: String) {
        self.code = code
        self.location = location
        self.processor = processor
    }

    init(_ line: JournalLine) { self.init(code: line.account.code, location: line.location, processor: line.processor) }

    /// By bytes (FORMATS §1), not canonical equivalence.
    static func == (a: AccountLineKey, b: AccountLineKey) -> Bool {
        CostRuns.sameBytes(a.code, b.code) && CostRuns.sameBytes(a.location, b.location) && CostRuns.sameBytes(a.processor, b.processor)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytesOf: code)
        hasher.combine(bytesOf: location)
        hasher.combine(bytesOf: processor)
    }

    static func < (a: AccountLineKey, b: AccountLineKey) -> Bool {
        if !CostRuns.sameBytes(a.code, b.code) { return CostRuns.precedesInByteOrder(a.code, b.code) }
        if !CostRuns.sameBytes(a.location, b.location) { return CostRuns.precedesInByteOrder(a.location, b.location) }
        return CostRuns.precedesInByteOrder(a.processor, b.processor)
    }
}
