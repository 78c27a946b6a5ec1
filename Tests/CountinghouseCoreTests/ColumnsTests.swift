import Foundation
import Testing

@testable import CountinghouseCore

/// The compact columns against the slow, obvious ones on generated changes (fixed seeds): a
/// `SumColumn` against a `[Sum]`, with sums that leave Int64's range and come back, and `Bits`
/// against a `[Bool]`, across word edges.
@Suite struct ColumnsTests {
    @Test(arguments: [91, 92] as [UInt64])
    func aSumColumnHoldsTheExactSums(seed: UInt64) {
        var random = HistoryRandomness(seed: seed)
        let count = seed == 91 ? 5 : 300
        var column = SumColumn(count: count)
        var obvious = [Sum](repeating: Sum(), count: count)
        for step in 0..<40_000 {
            let place = Int(random.int(0...Int64(count - 1)))
            let amount = TicketGapsTests.amount(&random)
            switch random.int(0...2) {
            case 0:
                column.change(place, by: amount)
                obvious[place] += amount
            case 1:
                column.change(place, by: amount, subtracting: true)
                obvious[place] -= amount
            default:
                // A sum added whole, sometimes one past Int64's range.
                let sum = random.chance(0.2) ? Sum(Int64.max) + Sum(amount) : Sum(amount)
                column.add(sum, at: place)
                obvious[place] += sum
            }
            if step % 5_000 == 0 || step == 39_999 {
                #expect((0..<count).map { column[$0] } == obvious)
                #expect((0..<count).map { column.isZero($0) } == obvious.map(\.isZero))
            }
        }
        #expect(obvious.contains { Int64(exactly: $0.total) == nil }, "the generated sums leave Int64's range")
        column.append()
        #expect(column.count == count + 1 && column[count] == Sum() && column.isZero(count))
    }

    @Test func aSumPastInt64ComesBackExactly() {
        var column = SumColumn(count: 2)
        column.change(0, by: Int64.max)
        column.change(0, by: 2)
        #expect(column[0].total == Int128(Int64.max) + 2 && !column.isZero(0))
        column.change(0, by: Int64.max, subtracting: true)
        column.change(0, by: 2, subtracting: true)
        #expect(column[0] == Sum() && column.isZero(0))
        column.change(1, by: Int64.min)
        column.change(1, by: 1, subtracting: true)
        #expect(column[1].total == Int128(Int64.min) - 1)
        column.add(Sum(1), at: 1)
        #expect(column[1] == Sum(Int64.min) && column[0] == Sum())
    }

    @Test(arguments: [0, 1, 63, 64, 65, 200] as [Int])
    func bitsAreTheMarksSet(count: Int) {
        var random = HistoryRandomness(seed: UInt64(count) &+ 7)
        var bits = Bits(count: count)
        var obvious = [Bool](repeating: false, count: count)
        for _ in 0..<(count * 6) {
            let index = Int(random.int(0...Int64(count - 1)))
            let value = random.chance(0.5)
            bits[index] = value
            obvious[index] = value
        }
        #expect(bits.count == count)
        #expect((0..<count).map { bits[$0] } == obvious)
        #expect(Bits(count: count) { obvious[$0] } == bits)
        #expect((0..<count).map { Bits(count: count) { $0 % 3 == 0 }[$0] } == (0..<count).map { $0 % 3 == 0 })
    }
}
