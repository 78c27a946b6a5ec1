import Testing

@testable import CountinghouseCore

/// Packed cost lines against the slow, obvious version (`[CogsLine]`) on generated lines (fixed
/// seed): every field read back as it went in, text byte for byte, integers at their extremes.
@Suite struct PackedCogsLinesTests {
    static let kinds: [OutflowKind] = [.sale, .complimentary, .purchaseReturn, .transferShip, .shrinkage]

    static func integer(_ random: inout HistoryRandomness) -> Int64 {
        switch random.int(0...4) {
        case 0: return random.pick([Int64.min, Int64.max, 0, -1, 1, 63, -64, 64, -65, 127, 128])
        case 1: return Int64(bitPattern: random.next())
        default: return random.int(-1_000_000...1_000_000)
        }
    }

    static func line(_ random: inout HistoryRandomness) -> CogsLine {
        CogsLine(
            sku: FastPathsTests.text(&random), sequence: integer(&random), outflowID: FastPathsTests.text(&random, maxPieces: 40),
            kind: random.pick(kinds), occurredAt: Instant(nanosecondsSinceEpoch: integer(&random)),
            location: FastPathsTests.text(&random), documentID: FastPathsTests.text(&random),
            lineNumber: random.chance(0.3) ? nil : integer(&random), quantity: integer(&random), costedQuantity: integer(&random),
            cost: integer(&random), pendingQuantity: integer(&random), provisionalCost: integer(&random),
            cancelledQuantity: integer(&random), flags: FastPathsTests.text(&random))
    }

    static func bytes(_ line: CogsLine) -> [[UInt8]] {
        [line.sku, line.outflowID, line.location, line.documentID, line.flags].map { Array($0.utf8) }
    }

    @Test func linesReadBackAsTheyWentIn() {
        var random = HistoryRandomness(seed: 71)
        let lines = (0..<5_000).map { _ in Self.line(&random) }
        let packed = PackedCogsLines(lines)
        #expect(packed.count == lines.count)
        #expect(Array(packed) == lines)
        #expect(packed.map(Self.bytes) == lines.map(Self.bytes))
        #expect(zip(packed, lines).allSatisfy { $0.lineNumber == $1.lineNumber && $0.kind == $1.kind })
        // Read out of order, each line is still its own.
        for index in [4_999, 0, 2_500, 17, 4_998] { #expect(packed[index] == lines[index]) }
    }

    @Test func equalWhenTheyHoldEqualLines() {
        var random = HistoryRandomness(seed: 72)
        let lines = (0..<100).map { _ in Self.line(&random) }
        var appended = PackedCogsLines()
        appended.reserveCapacity(lines.count)
        for line in lines { appended.append(line) }
        #expect(appended == PackedCogsLines(lines))
        #expect(PackedCogsLines(lines.dropLast()) != PackedCogsLines(lines))
        #expect(PackedCogsLines().isEmpty)
    }
}
