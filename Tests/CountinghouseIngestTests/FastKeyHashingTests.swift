// The duplicate-key check's fast parts (FastKeyHashing.swift) against a slow, obviously correct
// duplicate finder (a Dictionary from key bytes to the first row): the same duplicates, in row
// order, for generated keys with many repeats, collected in one part or in several joined as the
// two-halves check joins them; the hash reading no byte beyond its key; the radix sort against
// `sorted()`.

import Testing

@testable import CountinghouseIngest

/// Every key seen before, by its bytes: the later row, the first row of the key, the key.
enum SlowDuplicates {
    static func find(_ keys: [(row: Int, key: [UInt8])]) -> [(row: Int, firstRow: Int, key: [UInt8])] {
        var firstRows: [[UInt8]: Int] = [:]
        var found: [(row: Int, firstRow: Int, key: [UInt8])] = []
        for (row, key) in keys {
            if let first = firstRows[key] {
                found.append((row, first, key))
            } else {
                firstRows[key] = row
            }
        }
        return found
    }
}

private struct Duplicate: Equatable {
    var row: Int
    var firstRow: Int
    var key: [UInt8]
}

/// Keys drawn from a small alphabet and short lengths so that many repeat, some long, some empty.
private func generatedKeys(_ random: inout SeededGenerator, count: Int) -> [(row: Int, key: [UInt8])] {
    var keys: [(row: Int, key: [UInt8])] = []
    var row = 1
    for _ in 0..<count {
        // Rows skipped: blank lines and rows with errors give no key.
        row += 1 + (random.percent(10) ? random.below(3) : 0)
        if !keys.isEmpty && random.percent(25) {
            keys.append((row, keys[random.below(keys.count)].key))
            continue
        }
        let length = random.percent(10) ? 8 + random.below(40) : random.below(10)
        keys.append((row, (0..<length).map { _ in UInt8(random.pick([0, 1, 0x41, 0x42, 0xFF])) }))
    }
    return keys
}

/// Collects `keys` in `parts` collectors as the two-halves check does (each later part numbered
/// from 1 after the rows before it, some parts' hashes sorted ahead) and returns the duplicates.
private func fastDuplicates(_ keys: [(row: Int, key: [UInt8])], cuts: [Int], sortsAhead: [Bool]) -> [Duplicate] {
    let bounds = [0] + cuts + [keys.count]
    var collectors: [(KeyCollector, Int)] = []
    for part in 0..<(bounds.count - 1) {
        let collector = KeyCollector()
        // A later part's rows count from the record after the last one of the part before.
        let rowOffset = part == 0 || bounds[part] == 0 ? 0 : keys[bounds[part] - 1].row
        for (row, key) in keys[bounds[part]..<bounds[part + 1]] {
            let target = collector.reserve(key.count)
            for (index, byte) in key.enumerated() { target[index] = byte }
            collector.commit(key.count, row: row - rowOffset)
        }
        if sortsAhead[part % sortsAhead.count] { collector.sortHashes() }
        collectors.append((collector, rowOffset))
    }
    for (collector, rowOffset) in collectors.dropFirst() { collectors[0].0.append(contentsOf: collector, rowOffset: rowOffset) }
    return collectors[0].0.duplicates().map { Duplicate(row: $0.row, firstRow: $0.firstRow, key: $0.key) }
}

@Test func duplicatesAreFoundLikeTheSlowFinderInOnePartOrSeveral() {
    var random = SeededGenerator(seed: 0xD0_0B1E)
    for round in 0..<400 {
        let keys = generatedKeys(&random, count: random.pick([0, 1, 2, 5, 20, 200, 3000]))
        let expected = SlowDuplicates.find(keys).map { Duplicate(row: $0.row, firstRow: $0.firstRow, key: $0.key) }
        var cuts: [Int] = []
        for _ in 0..<random.below(3) { cuts.append(random.below(keys.count + 1)) }
        cuts.sort()
        let sortsAhead = [random.percent(50), random.percent(50)]
        #expect(fastDuplicates(keys, cuts: cuts, sortsAhead: sortsAhead) == expected, "round \(round), cuts \(cuts)")
        #expect(fastDuplicates(keys, cuts: [], sortsAhead: [false]) == expected, "round \(round) in one part")
    }
}

/// The hash reads its key a word at a time: wherever the key lies and whatever follows it, the
/// same bytes give the same hash (no byte past the key is read into it).
@Test func theKeyHashDependsOnlyOnTheKeysBytes() {
    var random = SeededGenerator(seed: 0x4A54)
    for length in 0..<40 {
        let key = (0..<length).map { _ in UInt8(random.below(256)) }
        var hashes: Set<UInt64> = []
        for offset in 0..<9 {
            var buffer = (0..<(offset + length + 16)).map { _ in UInt8(random.below(256)) }
            buffer.replaceSubrange(offset..<(offset + length), with: key)
            let hash = buffer.withUnsafeBufferPointer { KeyCollector.hash($0.baseAddress! + offset, count: length) }
            hashes.insert(hash)
        }
        #expect(hashes.count == 1, "length \(length)")
    }
}

/// The duplicate-key check sorts hashes by radix: it must order like a comparison sort, for random
/// values, repeats, values sharing the 22 top bits the radix passes sort by, and the extremes.
@Test func radixSortOrdersLikeSort() {
    var random = SeededGenerator(seed: 0x5047)
    for count in [0, 1, 2, 3, 100, 5000, 70_000] {
        var values = (0..<count).map { _ in random.next() }
        values += values.prefix(count / 3)  // repeats
        values += (0..<(count / 4)).map { _ in 0xABCD_E000_0000_0000 | (random.next() >> 22) }  // one run of top bits
        values += [0, UInt64.max, 1 << 63, 2047, 2048]
        #expect(values.withUnsafeBufferPointer(radixSorted) == values.sorted(), "\(count) values")
    }
}
