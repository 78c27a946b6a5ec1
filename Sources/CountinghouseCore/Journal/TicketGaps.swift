// The tickets of one business date × location and, per ticket, what its lines collected less what
// its tenders took: the day's sales entry names those whose gap is not zero (SEMANTICS §5, POS
// over/short). The gaps are held for every ticket of a report's days while the POS rows stream past
// (all the lines come before the tenders), so a month of a large chain holds millions of them, and
// they are held compactly: a ticket's identifier once, as its bytes in one array; its gap in a
// `SumColumn` (an Int64, exact beside it once it leaves Int64's range); the tickets found through
// an open-addressed table of their numbers. A `[OpaqueID: Sum]` took ~60 bytes a ticket (a 16-byte
// string and a 16-byte sum per bucket, buckets at most three quarters full), this ~30.
//
// Identifiers are compared by their bytes (FORMATS §1), as `OpaqueID` compares them. The table is
// hashed with the standard library's seeded hasher: a file of identifiers made to collide cannot
// turn the lookups quadratic. Where the entries sit in it varies from process to process; nothing
// read from it depends on that (`unbalanced` sorts).
//
// The slow, obvious version is a `[OpaqueID: Sum]`: TicketGapsTests compares them on generated
// tickets, with gaps at and beyond Int64's ends.

public struct TicketGaps: Sendable {
    /// Every ticket's identifier, numbered as first seen.
    private var identifiers = ByteStrings()
    /// Per ticket, its gap.
    private var gaps = SumColumn(count: 0)
    /// 0: empty; otherwise the ticket's number + 1. Its count is a power of two (or 0), and at most
    /// three quarters of it is taken.
    private var slots: [UInt32] = []

    public init() {}

    /// How many tickets have been seen.
    public var count: Int { gaps.count }

    /// `amount` collected by a line of `ticket`.
    public mutating func add(_ amount: Int64, to ticket: String) { change(ticket, by: amount, subtracting: false) }

    /// `amount` taken by a tender of `ticket` (or given back by a return line).
    public mutating func subtract(_ amount: Int64, from ticket: String) { change(ticket, by: amount, subtracting: true) }

    /// The ticket's gap plus or minus `amount`, exact.
    private mutating func change(_ ticket: String, by amount: Int64, subtracting: Bool) {
        gaps.change(place(ticket), by: amount, subtracting: subtracting)
    }

    /// The tickets whose gap is not zero, in byte order.
    public var unbalanced: [String] {
        var found: [OpaqueID] = []
        for index in 0..<gaps.count where !gaps.isZero(index) {
            found.append(OpaqueID(identifier(index)))
        }
        return found.sorted().map(\.text)
    }

    /// Ticket `index`'s identifier, made again from its bytes.
    private func identifier(_ index: Int) -> String { String(decoding: identifiers[index], as: UTF8.self) }

    /// The number of `ticket`, which is added (with a gap of 0) when it is new.
    private mutating func place(_ ticket: String) -> Int {
        var ticket = ticket
        return ticket.withUTF8 { bytes in
            if (gaps.count + 1) * 4 > slots.count * 3 { grow() }
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            let mask = slots.count - 1
            var slot = hasher.finalize() & mask
            while slots[slot] != 0 {
                let index = Int(slots[slot] - 1)
                if identifiers[index].elementsEqual(bytes) { return index }
                slot = (slot + 1) & mask
            }
            let index = gaps.count
            precondition(index < Int(UInt32.max), "more than 4 billion tickets on one business day at one location")
            identifiers.append(contentsOf: bytes)
            gaps.append()
            slots[slot] = UInt32(index + 1)
            return index
        }
    }

    /// Twice the slots (16 at first), every ticket placed again.
    private mutating func grow() {
        let capacity = max(16, slots.count * 2)
        slots = [UInt32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for index in 0..<gaps.count {
            var hasher = Hasher()
            identifiers[index].withUnsafeBytes { hasher.combine(bytes: $0) }
            var slot = hasher.finalize() & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(index + 1)
        }
    }
}
