import Foundation
import Testing

@testable import CountinghouseCore

/// The compact ticket gaps against the slow, obvious version (a `[OpaqueID: Sum]`) on generated
/// tickets (fixed seeds): identifiers that differ only in their bytes (a precomposed and a combining
/// accent), bridged and substring-made strings, the empty identifier, gaps that cancel, and gaps at
/// and beyond Int64's ends.
@Suite struct TicketGapsTests {
    static func amount(_ random: inout HistoryRandomness) -> Int64 {
        switch random.int(0...5) {
        case 0: return random.pick([Int64.min, Int64.max, Int64.max - 1, Int64.min + 1, 0, -1, 1])
        default: return random.int(-50_000...50_000)
        }
    }

    /// The slow version's tickets whose gap is not zero, in byte order.
    static func unbalanced(_ gaps: [OpaqueID: Sum]) -> [String] { gaps.filter { !$0.value.isZero }.keys.sorted().map(\.text) }

    @Test(arguments: [81, 82, 83] as [UInt64])
    func theTicketsThatDoNotBalanceAreTheObviousOnes(seed: UInt64) {
        var random = HistoryRandomness(seed: seed)
        // Few identifiers (so that most are seen many times) or many (so that the table grows).
        let identifiers = (0..<(seed == 81 ? 40 : 5_000)).map { _ in FastPathsTests.text(&random, maxPieces: 6) }
        var compact = TicketGaps()
        var obvious: [OpaqueID: Sum] = [:]
        for step in 0..<30_000 {
            let ticket = random.pick(FastPathsTests.variants(random.pick(identifiers)))
            let amount = Self.amount(&random)
            if random.chance(0.5) {
                compact.add(amount, to: ticket)
                obvious[OpaqueID(ticket), default: Sum()] += amount
            } else {
                compact.subtract(amount, from: ticket)
                obvious[OpaqueID(ticket), default: Sum()] -= amount
            }
            if step % 7_500 == 0 { #expect(compact.unbalanced == Self.unbalanced(obvious)) }
        }
        #expect(compact.count == obvious.count)
        #expect(compact.unbalanced == Self.unbalanced(obvious))
        #expect(!compact.unbalanced.isEmpty)
    }

    @Test func ticketsThatBalanceAreNotNamed() {
        var gaps = TicketGaps()
        // A sale line and its tender, a return line and its refund, two tenders for one ticket.
        gaps.add(1_299, to: "S01-1")
        gaps.subtract(1_299, from: "S01-1")
        gaps.subtract(500, from: "S01-2")
        gaps.add(500, to: "S01-2")
        gaps.add(1_000, to: "S01-3")
        gaps.subtract(600, from: "S01-3")
        gaps.subtract(400, from: "S01-3")
        // Tendered short, and a tender with no line.
        gaps.add(700, to: "S01-4")
        gaps.subtract(699, from: "S01-4")
        gaps.subtract(1, from: "")
        #expect(gaps.unbalanced == ["", "S01-4"])
        #expect(gaps.count == 5)
    }

    @Test func identifiersAreTheirBytes() {
        var gaps = TicketGaps()
        // Canonically equivalent, different bytes: two tickets, each unbalanced.
        gaps.add(100, to: "caf\u{E9}")
        gaps.subtract(100, from: "cafe\u{301}")
        #expect(gaps.count == 2)
        #expect(gaps.unbalanced == ["cafe\u{301}", "caf\u{E9}"])
    }

    @Test func aGapBeyondInt64IsExactAndCanReturnToZero() {
        var gaps = TicketGaps()
        gaps.add(.max, to: "T")
        gaps.add(.max, to: "T")
        gaps.add(2, to: "T")
        #expect(gaps.unbalanced == ["T"])
        gaps.subtract(.max, from: "T")
        gaps.subtract(.max, from: "T")
        #expect(gaps.unbalanced == ["T"])
        gaps.subtract(2, from: "T")
        #expect(gaps.unbalanced == [])
        gaps.subtract(.min, from: "U")
        gaps.add(.min, to: "U")
        #expect(gaps.unbalanced == [])
    }
}
