// The identifiers people see and type: a period (`2026-10`), a journal entry's id
// (`SALES:2026-10-20:S02`) and a stock outflow's id (`SALE:O-1001:2`) — each a value made from
// its source, rendered as text only at the edge. The text forms are public interfaces (journal.csv's
// entry_id, cogs.csv's outflow_id); reading them back (from a posted period, or typed by a person)
// is the one place they are taken apart.

/// A calendar month, the period of SEMANTICS §2: `2026-10`.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int64
    public let month: Int64

    /// `2026-10` (exactly that shape), or nil.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int64(parts[0]), let month = Int64(parts[1]), (1...12).contains(month)
        else { return nil }
        self.year = year
        self.month = month
    }

    /// The month a date falls in.
    public init(containing date: CivilDate) {
        year = date.year
        month = date.month
    }

    public var firstDay: CivilDate {
        guard let day = CivilDate(year: year, month: month, day: 1) else { preconditionFailure("a period is a real month") }
        return day
    }

    public var lastDay: CivilDate { next.firstDay.adding(days: -1) }

    /// The month's days.
    public var span: ReportSpan {
        guard let span = ReportSpan(firstDay: firstDay, lastDay: lastDay) else { preconditionFailure("a month ends after it starts") }
        return span
    }

    /// The month after this one.
    public var next: Period { Period(containing: firstDay.adding(days: 31)) }

    public static func < (a: Period, b: Period) -> Bool { (a.year, a.month) < (b.year, b.month) }

    public var description: String { String(firstDay.description.prefix(7)) }
}

/// A journal entry's id, made from what the entry summarises (SEMANTICS §5), so that its
/// drill-down finds its source rows from the key itself. `description` is journal.csv's entry_id.
public enum EntryKey: Hashable, Sendable, CustomStringConvertible {
    /// `SALES:date:location` — POS sales of a business date at a location.
    case sales(CivilDate, location: String)
    /// `COGS:date:location` — cost of sales of a business date at a location.
    case costOfSales(CivilDate, location: String)
    /// `GOODS:date:document` — a purchase document's receipts and returns.
    case goods(CivilDate, document: String)
    /// `TRANSFER:date:transfer:SHIP|RECEIVE` — one side of a transfer.
    case transfer(CivilDate, transfer: String, side: TransferType)
    /// `COUNT:date:count` — a stock count's gains and shrinkage.
    case count(CivilDate, count: String)
    /// `PROCESSOR:date:processor` — a processor's settlement activity of a business date.
    case processor(CivilDate, processor: String)
    /// `PAYOUT:date:processor:payout` — one payout (or payout failure).
    case payout(CivilDate, processor: String, payout: String)
    /// `ADJUST:date:period` — prior-period adjustments about a closed period.
    case adjustment(CivilDate, about: Period)
    /// `WRITEOFF:date:override` — what a WRITE_OFF override cleared on its day (SEMANTICS §6.3).
    case writeOff(CivilDate, override: String)
    /// An id this program did not make (kept as read, e.g. a row planted in a posted period).
    case unrecognised(String)

    public var description: String {
        switch self {
        case .sales(let date, let location): return "SALES:\(date):\(location)"
        case .costOfSales(let date, let location): return "COGS:\(date):\(location)"
        case .goods(let date, let document): return "GOODS:\(date):\(document)"
        case .transfer(let date, let transfer, let side): return "TRANSFER:\(date):\(transfer):\(side.rawValue)"
        case .count(let date, let count): return "COUNT:\(date):\(count)"
        case .processor(let date, let processor): return "PROCESSOR:\(date):\(processor)"
        case .payout(let date, let processor, let payout): return "PAYOUT:\(date):\(processor):\(payout)"
        case .adjustment(let date, let about): return "ADJUST:\(date):\(about)"
        case .writeOff(let date, let override): return "WRITEOFF:\(date):\(override)"
        case .unrecognised(let text): return text
        }
    }

    /// The key an id stands for. Documents, locations and payouts may hold colons; a processor
    /// code cannot (ingest refuses one), so every id this program makes reads back as itself.
    public init(parsing text: String) {
        self = Self.parse(text) ?? .unrecognised(text)
    }

    private static func parse(_ text: String) -> EntryKey? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let group = text[..<colon]
        let afterGroup = text[text.index(after: colon)...]
        guard afterGroup.count > 11, let date = CivilDate(text: String(afterGroup.prefix(10))),
            afterGroup.dropFirst(10).first == ":"
        else { return nil }
        let rest = String(afterGroup.dropFirst(11))
        switch group {
        case "SALES": return .sales(date, location: rest)
        case "COGS": return .costOfSales(date, location: rest)
        case "GOODS": return .goods(date, document: rest)
        case "COUNT": return .count(date, count: rest)
        case "WRITEOFF": return .writeOff(date, override: rest)
        case "PROCESSOR": return .processor(date, processor: rest)
        case "TRANSFER":
            guard let last = rest.lastIndex(of: ":"), let side = TransferType(rawValue: String(rest[rest.index(after: last)...]))
            else { return nil }
            return .transfer(date, transfer: String(rest[..<last]), side: side)
        case "PAYOUT":
            guard let first = rest.firstIndex(of: ":") else { return nil }
            return .payout(date, processor: String(rest[..<first]), payout: String(rest[rest.index(after: first)...]))
        case "ADJUST":
            guard let period = Period(rest) else { return nil }
            return .adjustment(date, about: period)
        default: return nil
        }
    }
}

/// A stock outflow's id (cogs.csv's outflow_id): its kind and the source row's key.
public enum OutflowID: Hashable, Sendable, CustomStringConvertible {
    /// `KIND:DOCUMENT:LINE` — a sale, complimentary line, purchase return or transfer shipment.
    case line(OutflowKind, document: String, line: Int64)
    /// `SHRINKAGE:COUNT:LOCATION:SKU` — what a count found missing (a count covers many SKUs at a
    /// location, so its SKU makes the id unique).
    case shrinkage(count: String, location: String, sku: String)

    public var description: String {
        switch self {
        case .line(let kind, let document, let line): return "\(kind.rawValue):\(document):\(line)"
        case .shrinkage(let count, let location, let sku): return "SHRINKAGE:\(count):\(location):\(sku)"
        }
    }

    /// The ids a text can stand for. A line outflow's id reads back as itself (its line number is
    /// the last part); a shrinkage id can be split several ways when its count, location or SKU
    /// holds a colon, and each way is a candidate (a lookup keeps the one that exists).
    public static func candidates(_ text: String) -> [OutflowID] {
        guard let colon = text.firstIndex(of: ":"), let kind = OutflowKind(rawValue: String(text[..<colon])) else { return [] }
        let rest = String(text[text.index(after: colon)...])
        if kind == .shrinkage {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3 else { return [] }
            var candidates: [OutflowID] = []
            for first in 1..<(parts.count - 1) {
                for second in (first + 1)..<parts.count {
                    candidates.append(
                        .shrinkage(
                            count: parts[..<first].joined(separator: ":"), location: parts[first..<second].joined(separator: ":"),
                            sku: parts[second...].joined(separator: ":")))
                }
            }
            return candidates
        }
        guard let last = rest.lastIndex(of: ":") else { return [] }
        let lineText = rest[rest.index(after: last)...]
        guard let line = Int64(lineText), line > 0, String(line) == lineText else { return [] }
        return [.line(kind, document: String(rest[..<last]), line: line)]
    }
}

/// An identifier as FORMATS §1 compares it (a SKU, a location, an order or document id): opaque
/// text, equal when its bytes are and ordered by them. String's `==` and hashing follow canonical
/// equivalence, so "É" and "E\u{301}" would be one key to a `Dictionary` or a `Set` of `String`s:
/// two SKUs (or locations, or orders) the ledger and SQL keep apart would be merged. Every
/// dictionary or set keyed by an identifier is keyed by this.
public struct OpaqueID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let text: String

    public init(_ text: String) { self.text = text }

    public init(stringLiteral text: String) { self.text = text }

    public static func == (a: OpaqueID, b: OpaqueID) -> Bool { CostRuns.sameBytes(a.text, b.text) }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytesOf: text) }

    public static func < (a: OpaqueID, b: OpaqueID) -> Bool { CostRuns.precedesInByteOrder(a.text, b.text) }

    public var description: String { text }
}

extension Hasher {
    /// Feeds a text's UTF-8 bytes and their count (so "ab" + "c" and "a" + "bc" differ): the
    /// hashing that goes with byte equality, where `combine(text)` goes with canonical equivalence.
    public mutating func combine(bytesOf text: String) {
        let count = text.utf8.count
        let fed: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in combine(bytes: UnsafeRawBufferPointer(bytes)) }
        if fed == nil { for byte in text.utf8 { combine(byte) } }
        combine(count)
    }
}

extension Sequence where Element == String {
    /// The texts as identifiers.
    public var opaqueIDs: Set<OpaqueID> { Set(map { OpaqueID($0) }) }
}
