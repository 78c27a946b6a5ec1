// The books as known at a time (SEMANTICS §4): closed periods as posted, the open periods as
// computed now, and late knowledge about closed periods as prior-period adjustments.
//
// Place in the pipeline: pure — the CLI hands in what the store posted at each close and the
// journal computed from everything known at T; this returns the entries a report shows.
// Invariants: a closed period's entries are its posted ones, never recomputed; the adjustments are
// dated the first day of the first open period, one entry per closed period P with late
// knowledge, per account (and location and processor): J_P(as known at T) − what the books hold
// for P (its posted entries plus the adjustments about P posted with later periods). So over all
// closed periods the posted journals sum to the journal as known at the latest close, and the
// books as a whole sum to the journal as known at T.

/// A period that was closed: its span, the knowledge time it was closed at, and what was posted.
public struct ClosedPeriod: Sendable, Hashable {
    public var period: Period
    /// The period's days.
    public var span: ReportSpan { period.span }
    public var closedAt: Instant
    /// The posted entries: the period's own and the prior-period adjustments posted with it.
    public var entries: [JournalEntry]
    /// The program (`countinghouse 0.5.0`'s version part) that posted them, and so wrote the files.
    public var programVersion: String

    public init(period: Period, closedAt: Instant, entries: [JournalEntry], programVersion: String) {
        self.programVersion = programVersion
        self.period = period
        self.closedAt = closedAt
        self.entries = entries
    }
}

public enum Books {
    /// The books: posted entries of the closed periods (in order), then the prior-period
    /// adjustments, then the computed entries dated after the last closed period.
    /// `lateRows[P]` lists the rows learnt since the latest close that are dated in P (for memos).
    public static func assemble(closed: [ClosedPeriod], computed: [JournalEntry], lateRows: [Period: [String]]) throws(OutOfRange)
        -> [JournalEntry]
    {
        guard let last = closed.last else { return computed }
        let openFrom = last.span.endDay
        var books = closed.flatMap(\.entries)
        books += try adjustments(closed: closed, computed: computed, lateRows: lateRows)
        books += computed.filter { $0.date >= openFrom }
        return books
    }

    /// Adds an entry's lines to net sums per account code, location and processor (without
    /// overflow), and records each code's name (the latest line's, or with `keepingFirstName` the
    /// first one's).
    static func add(
        _ entry: JournalEntry, to sums: inout [AccountLineKey: Sum], names: inout [String: String], keepingFirstName: Bool = false
    ) {
        for line in entry.lines {
            sums[AccountLineKey(line), default: Sum()] += line.amount
            if !keepingFirstName || names[line.account.code] == nil { names[line.account.code] = line.account.name }
        }
    }

    /// The prior-period adjustment entries for the first open period (none when nothing is closed
    /// or nothing changed).
    public static func adjustments(closed: [ClosedPeriod], computed: [JournalEntry], lateRows: [Period: [String]]) throws(OutOfRange)
        -> [JournalEntry]
    {
        guard let last = closed.last else { return [] }
        let openFrom = last.span.endDay
        var held: [Period: [AccountLineKey: Sum]] = [:]
        var names: [String: String] = [:]
        for closedPeriod in closed {
            for entry in closedPeriod.entries {
                let about = entry.aboutPeriod ?? closedPeriod.period
                add(entry, to: &held[about, default: [:]], names: &names, keepingFirstName: true)
            }
        }
        var now: [Period: [AccountLineKey: Sum]] = [:]
        for entry in computed where entry.date < openFrom {
            add(entry, to: &now[Period(containing: entry.date), default: [:]], names: &names)
        }
        var entries: [JournalEntry] = []
        for about in Set(held.keys).union(now.keys).sorted() {
            let before = held[about] ?? [:]
            let after = now[about] ?? [:]
            var lines: [JournalLine] = []
            for key in Set(before.keys).union(after.keys).sorted() {
                let difference = (after[key] ?? Sum()) - (before[key] ?? Sum())
                guard !difference.isZero else { continue }
                lines.append(
                    JournalLine(
                        account: Account(code: key.code, name: names[key.code] ?? ""),
                        amount: try difference.value("the prior-period adjustment for \(about), account \(key.code)"),
                        location: key.location, processor: key.processor))
            }
            guard !lines.isEmpty else { continue }
            let rows = lateRows[about] ?? []
            var memo = "prior-period adjustment for \(about): "
            if rows.isEmpty {
                memo += "knowledge learnt since its close; no late row is dated in \(about) (later rows made provisional costs final, or the catalogue changed)"
            } else {
                memo += "late rows " + rows.prefix(10).joined(separator: ", ")
                if rows.count > 10 { memo += " and \(rows.count - 10) more" }
            }
            let entry = JournalEntry(
                key: .adjustment(openFrom, about: about), date: openFrom, memo: memo, sourceType: "prior_period_adjustment",
                sourceReference: about.description, lines: lines, aboutPeriod: about)
            // Balanced whenever the posted entries are (both sides are sums of balanced entries);
            // posted lines altered behind the program's back can unbalance it, which `verify`
            // reports and `close` refuses to post.
            entries.append(entry)
        }
        return entries
    }

    /// The closed periods' own posted entries about P against P as known now, per account,
    /// location and processor: what would differ as known now (drift).
    public static func drift(of closedPeriod: ClosedPeriod, closed: [ClosedPeriod], computed: [JournalEntry]) throws(OutOfRange)
        -> [DriftRow]
    {
        var posted: [AccountLineKey: Sum] = [:]
        var adjustedLater: [AccountLineKey: Sum] = [:]
        var nowSums: [AccountLineKey: Sum] = [:]
        var names: [String: String] = [:]
        for entry in closedPeriod.entries where entry.aboutPeriod == nil { add(entry, to: &posted, names: &names) }
        for later in closed where later.span.firstDay > closedPeriod.span.lastDay {
            for entry in later.entries where entry.aboutPeriod == closedPeriod.period {
                add(entry, to: &adjustedLater, names: &names)
            }
        }
        for entry in computed where entry.date >= closedPeriod.span.firstDay && entry.date <= closedPeriod.span.lastDay {
            add(entry, to: &nowSums, names: &names)
        }
        var rows: [DriftRow] = []
        for key in Set(posted.keys).union(adjustedLater.keys).union(nowSums.keys).sorted() {
            let what = "the drift of \(closedPeriod.period), account \(key.code)"
            let (postedSum, laterSum, nowSum) = (posted[key] ?? Sum(), adjustedLater[key] ?? Sum(), nowSums[key] ?? Sum())
            guard postedSum != nowSum || !laterSum.isZero else { continue }
            rows.append(
                DriftRow(
                    account: Account(code: key.code, name: names[key.code] ?? ""), location: key.location,
                    processor: key.processor, posted: try postedSum.value(what), adjustedLater: try laterSum.value(what),
                    asKnownNow: try nowSum.value(what), pendingAdjustment: try (nowSum - postedSum - laterSum).value(what)))
        }
        return rows
    }
}

/// One account × location × processor of a closed period whose figures differ as known now.
public struct DriftRow: Sendable, Hashable {
    public var account: Account
    public var location: String
    public var processor: String
    /// Net (debit positive) of the period's own posted entries.
    public var posted: Int64
    /// Net of the adjustments about the period posted with later closed periods.
    public var adjustedLater: Int64
    /// Net of the period's entries as known now.
    public var asKnownNow: Int64
    /// What the next close will post as a prior-period adjustment (as known now − posted −
    /// adjusted later, summed without overflow).
    public var pendingAdjustment: Int64
}

extension CivilDate {
    /// `2026-10-31` (exactly that shape), or nil.
    public init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }
}
