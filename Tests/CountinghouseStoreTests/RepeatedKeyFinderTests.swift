// The repeated-key finder (a fast path over the core's unsafe FastKeyHash) against the slow
// obvious version, a `[[UInt8]: Int]` dictionary, on generated keys (fixed seed): keys of every
// length around the hash's 8-byte steps, keys that are prefixes of others, empty keys, and enough
// keys for the table to grow several times.
import CountinghouseSample
import Testing

@testable import CountinghouseStore

@Suite("RepeatedKeyFinder")
struct RepeatedKeyFinderTests {
    /// Keys from a small alphabet (so that repeats and shared prefixes are common) of length 0…40.
    static func generatedKeys(count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        var keys: [[UInt8]] = []
        keys.reserveCapacity(count)
        for _ in 0..<count {
            switch generator.next() % 10 {
            case 0 where !keys.isEmpty:
                // An earlier key again.
                keys.append(keys[Int(generator.next() % UInt64(keys.count))])
            case 1 where !keys.isEmpty:
                // An earlier key with one byte more or less: the same bytes up to the tail.
                var key = keys[Int(generator.next() % UInt64(keys.count))]
                if key.isEmpty || generator.next() % 2 == 0 { key.append(UInt8(generator.next() % 3)) } else { key.removeLast() }
                keys.append(key)
            default:
                let length = Int(generator.next() % 41)
                keys.append((0..<length).map { _ in UInt8(generator.next() % 4) + UInt8(ascii: "a") })
            }
        }
        return keys
    }

    @Test(arguments: [1 as UInt64, 2, 3])
    func answersLikeADictionary(seed: UInt64) {
        let keys = Self.generatedKeys(count: 20_000, seed: seed)
        var finder = RepeatedKeyFinder(expectedKeys: 0)
        var oracle: [[UInt8]: Int] = [:]
        var repeats = 0
        for (index, key) in keys.enumerated() {
            let row = index + 2
            #expect(finder.row(of: key) == oracle[key])
            let earlier = finder.earlierRow(of: key, row: row)
            #expect(earlier == oracle[key], "key \(key) at row \(row)")
            if earlier == nil { oracle[key] = row } else { repeats += 1 }
        }
        // The input really has repeats and new keys, and the table really grew.
        #expect(repeats > 1000 && oracle.count > 10_000)
        for key in Self.generatedKeys(count: 2000, seed: seed + 100) {
            #expect(finder.row(of: key) == oracle[key])
        }
    }

    @Test func rememberKeepsTheFirstRow() {
        var finder = RepeatedKeyFinder(expectedKeys: 10)
        #expect(finder.row(of: Array("x".utf8)) == nil)
        finder.remember(Array("x".utf8), row: 3)
        finder.remember(Array("x".utf8), row: 4)
        #expect(finder.row(of: Array("x".utf8)) == 3)
        #expect(finder.earlierRow(of: [], row: 9000) == nil)
        #expect(finder.earlierRow(of: [], row: 9001) == 9000)
    }
}
