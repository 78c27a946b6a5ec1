// cogs.csv's lines: those occurring in a span, by occurred_at, SKU (byte order), then sequence;
// lines already chosen and ordered come back as the same array, not a copy.
import Testing

@testable import CountinghouseCore

@Suite struct CogsOrderTests {
    static func line(_ sku: String, _ sequence: Int64, at seconds: Int64) -> CogsLine {
        CogsLine(
            sku: sku, sequence: sequence, outflowID: "O-\(sku)-\(sequence)", kind: .sale,
            occurredAt: Instant(nanosecondsSinceEpoch: seconds * Instant.nanosecondsPerSecond), location: "S01", documentID: "D",
            lineNumber: 1, quantity: 1, costedQuantity: 1, cost: 100, pendingQuantity: 0, provisionalCost: 0, cancelledQuantity: 0, flags: "")
    }

    let from = Instant(nanosecondsSinceEpoch: 10 * Instant.nanosecondsPerSecond)
    let to = Instant(nanosecondsSinceEpoch: 20 * Instant.nanosecondsPerSecond)

    @Test func linesOfTheSpanInCogsOrder() {
        let lines = [
            Self.line("b", 1, at: 12), Self.line("a", 7, at: 12), Self.line("a", 3, at: 12), Self.line("Z", 1, at: 15),
            Self.line("a", 1, at: 9), Self.line("a", 2, at: 20), Self.line("c", 1, at: 10),
        ]
        let occurring = CogsLine.occurring(lines, from: from, to: to)
        #expect(occurring.map(\.outflowID) == ["O-c-1", "O-a-3", "O-a-7", "O-b-1", "O-Z-1"])
    }

    @Test func linesAlreadyChosenAndOrderedAreNotCopied() {
        let ordered = CogsLine.occurring(
            (0..<1_000).map { Self.line("s\($0 % 7)", Int64($0), at: 10 + Int64($0 % 10)) }, from: from, to: to)
        let again = CogsLine.occurring(ordered, from: from, to: to)
        #expect(again == ordered)
        #expect(again.withUnsafeBufferPointer { $0.baseAddress } == ordered.withUnsafeBufferPointer { $0.baseAddress })
        // One line out of the span, or out of order: chosen and sorted anew.
        var outOfOrder = ordered
        outOfOrder.swapAt(0, 999)
        #expect(CogsLine.occurring(outOfOrder, from: from, to: to) == ordered)
        #expect(CogsLine.occurring(ordered + [Self.line("a", 5_000, at: 25)], from: from, to: to) == ordered)
    }
}
