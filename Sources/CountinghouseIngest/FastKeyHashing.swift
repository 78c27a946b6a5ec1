// The duplicate-key check's fast parts: the key arena in raw memory, the key hash, and the radix sort
// of the hashes.
//
// Place in the pipeline: `KeyCollector` (KeyCollector.swift) is this file's face; the row validator
// writes every valid row's natural key into `KeyStorage` as it validates, and `duplicates()` runs
// once the file is read.
// What is fast and unsafe here: the keys, their hashes and their rows live in blocks this file
// allocates and grows with realloc(3) and writes through pointers (no bounds checks, no
// copy-on-write checks); the hash reads keys a word at a time with unaligned loads; the radix sort
// scatters into arrays it never zero-fills, and large blocks get madvise(MADV_HUGEPAGE). A wrong
// offset writes outside a block or compares the wrong bytes.
// Why: at a million rows a hash table's random memory access dominated the check; appending keys
// and radix-sorting the bare hashes (commit d1e8857, with the word-at-a-time CSV scan) took parse +
// validate of the bench's 80.9 MB pos_lines file from 0.79 s to 0.52 s of CPU; sorting only the top
// 22 bits by radix took radixSorted from 660-775 to 262-281 perf samples (3-4% of parse CPU,
// commit b20d70d); the two halves' sorted hashes are walked together instead of merged (serial join
// 0.048-0.104 s to 0.006-0.016 s, commit 684c9e0).
// Invariants: equal key bytes give equal hashes, so two equal keys always meet in the sorted
// hashes; only keys sharing a hash are compared, byte for byte, so a hash collision never hides or
// invents a duplicate; duplicates come out in row order, each with the first row of its key.
// Tested by: FastKeyHashingTests.swift, against `SlowDuplicates` (a Dictionary from key bytes to
// its first row) on generated keys (fixed seed) with many repeats, split into parts at every kind
// of offset as two-halves checking joins them, and `radixSorted` against `sorted()`.

import CountinghouseCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension KeyCollector {
    /// A 64-bit hash of a key (the core's `FastKeyHash`, shared with the store); equal bytes give
    /// equal hashes.
    @inline(__always)
    static func hash(_ start: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        FastKeyHash.hash(UnsafeRawPointer(start), count: count)
    }
}

/// The collector's memory: a final class so the hot path writes through pointers it owns (no
/// copy-on-write checks per row), freed in `deinit`.
final class KeyStorage {
    private struct Entry {
        var offset: Int
        var length: Int32
        var row: Int32
    }

    private var bytes: UnsafeMutablePointer<UInt8>
    private var byteCount = 0
    private var byteCapacity: Int
    private var hashes: UnsafeMutablePointer<UInt64>
    private var entries: UnsafeMutablePointer<Entry>
    private var entryCount = 0
    private var entryCapacity: Int
    /// The hashes in ascending order, when sorted ahead; valid while it holds `entryCount` values.
    private var sortedHashes: [UInt64] = []
    /// Keys of the records after these (another thread's half of the file), and how many rows
    /// later their rows are.
    var laterParts: [(storage: KeyStorage, rowOffset: Int)] = []

    // The three arrays grow by realloc: for blocks this large the C library moves the pages
    // (mremap) instead of copying them and touching fresh ones, and a million keys take
    // tens of megabytes.
    init() {
        byteCapacity = 1 << 16
        bytes = reallocated(nil, count: byteCapacity)
        entryCapacity = 1 << 12
        hashes = reallocated(nil, count: entryCapacity)
        entries = reallocated(nil, count: entryCapacity)
    }

    deinit {
        free(bytes)
        free(hashes)
        free(entries)
    }

    @inline(__always)
    func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if byteCount + length > byteCapacity { growBytes(byteCount + length) }
        return bytes + byteCount
    }

    private func growBytes(_ needed: Int) {
        var capacity = byteCapacity * 2
        while capacity < needed { capacity *= 2 }
        bytes = reallocated(bytes, count: capacity)
        byteCapacity = capacity
    }

    @inline(__always)
    func commit(_ length: Int, row: Int) {
        if entryCount == entryCapacity { growEntries() }
        hashes[entryCount] = KeyCollector.hash(bytes + byteCount, count: length)
        entries[entryCount] = Entry(offset: byteCount, length: Int32(length), row: Int32(truncatingIfNeeded: row))
        entryCount += 1
        byteCount += length
    }

    func reserveCapacity(entries entryTarget: Int, bytes byteTarget: Int) {
        if byteTarget > byteCapacity {
            bytes = reallocated(bytes, count: byteTarget)
            byteCapacity = byteTarget
        }
        if entryTarget > entryCapacity {
            hashes = reallocated(hashes, count: entryTarget)
            entries = reallocated(entries, count: entryTarget)
            entryCapacity = entryTarget
        }
    }

    private func growEntries() {
        let capacity = entryCapacity * 2
        hashes = reallocated(hashes, count: capacity)
        entries = reallocated(entries, count: capacity)
        entryCapacity = capacity
    }

    func sortHashes() {
        sortedHashes = radixSorted(UnsafeBufferPointer(start: hashes, count: entryCount))
    }

    private var ownSortedHashes: [UInt64] {
        sortedHashes.count == entryCount ? sortedHashes : radixSorted(UnsafeBufferPointer(start: hashes, count: entryCount))
    }

    func duplicates() -> [(row: Int, firstRow: Int, key: [UInt8])] {
        // Sorting the bare hashes is fast and usually shows no two equal: then there is nothing
        // more to do. Otherwise only the entries with a shared hash are compared byte for byte.
        // The later parts' sorted hashes are merged in, in one linear pass each; the last merge is
        // only walked, not built (a million hashes are 8 MB of fresh memory).
        var sorted = ownSortedHashes
        for part in laterParts.dropLast() { sorted = mergedAscending(sorted, part.storage.ownSortedHashes) }
        let last = laterParts.last?.storage.ownSortedHashes ?? []
        let shared = sharedValues(sorted, last)
        if shared.isEmpty { return [] }
        // Each group in row order: the parts follow one another in the file.
        var groups: [UInt64: [(row: Int, key: UnsafeBufferPointer<UInt8>)]] = [:]
        for (storage, rowOffset) in [(self, 0)] + laterParts {
            for index in 0..<storage.entryCount where shared.contains(storage.hashes[index]) {
                let entry = storage.entries[index]
                let row = Int(Int32(truncatingIfNeeded: Int(entry.row) + rowOffset))
                let key = UnsafeBufferPointer(start: storage.bytes + entry.offset, count: Int(entry.length))
                groups[storage.hashes[index], default: []].append((row, key))
            }
        }
        var found: [(row: Int, firstRow: Int, key: [UInt8])] = []
        for group in groups.values {
            for later in 1..<group.count {
                let bytes = group[later].key
                if let first = group[..<later].first(where: { $0.key.elementsEqual(bytes) }) {
                    found.append((group[later].row, first.row, Array(bytes)))
                }
            }
        }
        return found.sorted { $0.row < $1.row }
    }
}

/// The values found more than once in two ascending arrays taken together.
private func sharedValues(_ left: [UInt64], _ right: [UInt64]) -> Set<UInt64> {
    var shared: Set<UInt64> = []
    left.withUnsafeBufferPointer { left in
        right.withUnsafeBufferPointer { right in
            var leftIndex = 0
            var rightIndex = 0
            var previous: UInt64 = 0
            var hasPrevious = false
            while leftIndex < left.count || rightIndex < right.count {
                let value: UInt64
                if rightIndex == right.count || (leftIndex < left.count && left[leftIndex] <= right[rightIndex]) {
                    value = left[leftIndex]
                    leftIndex += 1
                } else {
                    value = right[rightIndex]
                    rightIndex += 1
                }
                if hasPrevious && value == previous { shared.insert(value) }
                previous = value
                hasPrevious = true
            }
        }
    }
    return shared
}

/// Two ascending arrays as one.
private func mergedAscending(_ left: [UInt64], _ right: [UInt64]) -> [UInt64] {
    var merged: [UInt64] = []
    merged.reserveCapacity(left.count + right.count)
    var leftIndex = 0
    var rightIndex = 0
    while leftIndex < left.count && rightIndex < right.count {
        if left[leftIndex] <= right[rightIndex] {
            merged.append(left[leftIndex])
            leftIndex += 1
        } else {
            merged.append(right[rightIndex])
            rightIndex += 1
        }
    }
    merged.append(contentsOf: left[leftIndex...])
    merged.append(contentsOf: right[rightIndex...])
    return merged
}

/// `pointer`'s block (nil: none) grown to `count` elements of a trivial type, contents kept.
private func reallocated<Element>(_ pointer: UnsafeMutablePointer<Element>?, count: Int) -> UnsafeMutablePointer<Element> {
    let byteCount = count * MemoryLayout<Element>.stride
    guard let grown = realloc(pointer, byteCount) else {
        fatalError("out of memory for \(count) duplicate-key entries")
    }
    adviseHugePages(grown, byteCount: byteCount)
    return grown.bindMemory(to: Element.self, capacity: count)
}

/// Asks the kernel to back the whole 2 MB pages inside a large block with huge pages: a million
/// keys fill tens of megabytes of fresh memory, and one fault per 2 MB instead of per 4 KB takes
/// most of the kernel's share of a check. Only a hint; where huge pages are off, nothing changes.
private func adviseHugePages(_ block: UnsafeMutableRawPointer, byteCount: Int) {
    let hugePage = 2 << 20
    guard byteCount >= 2 * hugePage else { return }
    let start = (Int(bitPattern: block) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: block) + byteCount) & ~(hugePage - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, end - start, Int32(MADV_HUGEPAGE))
}

/// `values` in ascending order. A least-significant-digit radix sort of the top 22 bits only (two
/// passes, each a sequential read and a scatter over 2048 buckets), then each run of values sharing
/// those bits sorted by comparison: runs of hashes are almost always one value long, so this costs a
/// third of sorting all 64 bits by radix, and a run of any length is still sorted exactly.
func radixSorted(_ values: UnsafeBufferPointer<UInt64>) -> [UInt64] {
    let count = values.count
    if count < 2 { return Array(values) }
    let digitBits: UInt64 = 11
    let bucketCount = 1 << digitBits
    let passes = 2
    let lowestSortedBit = 64 - UInt64(passes) * digitBits
    func digit(_ value: UInt64, _ pass: Int) -> Int {
        Int((value >> (lowestSortedBit + UInt64(pass) * digitBits)) & UInt64(bucketCount - 1))
    }
    var counts = [Int](repeating: 0, count: bucketCount * passes)
    counts.withUnsafeMutableBufferPointer { counts in
        for value in values {
            for pass in 0..<passes { counts[pass * bucketCount + digit(value, pass)] += 1 }
        }
        // Each pass's counts become its buckets' start offsets.
        for pass in 0..<passes {
            var total = 0
            for bucket in 0..<bucketCount {
                let bucketSize = counts[pass * bucketCount + bucket]
                counts[pass * bucketCount + bucket] = total
                total += bucketSize
            }
        }
    }
    // Pass 0 scatters straight from `values`, pass 1 into the result: no copy of the input, and
    // both arrays are written before they are read (no zero-filling), in huge pages when large.
    func scatter(_ source: UnsafeBufferPointer<UInt64>, into target: UnsafeMutableBufferPointer<UInt64>, pass: Int) {
        counts.withUnsafeMutableBufferPointer { counts in
            let offsets = counts.baseAddress! + pass * bucketCount
            for value in source {
                let bucket = digit(value, pass)
                target[offsets[bucket]] = value
                offsets[bucket] += 1
            }
        }
    }
    precondition(passes == 2, "the scatter below is written for two passes")
    let scratch = [UInt64](unsafeUninitializedCapacity: count) { buffer, initializedCount in
        adviseHugePages(UnsafeMutableRawPointer(buffer.baseAddress!), byteCount: count * 8)
        scatter(values, into: buffer, pass: 0)
        initializedCount = count
    }
    var source = scratch.withUnsafeBufferPointer { scratch in
        [UInt64](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            adviseHugePages(UnsafeMutableRawPointer(buffer.baseAddress!), byteCount: count * 8)
            scatter(scratch, into: buffer, pass: 1)
            initializedCount = count
        }
    }
    source.withUnsafeMutableBufferPointer { sorted in
        var runStart = 0
        while runStart < count {
            let top = sorted[runStart] >> lowestSortedBit
            var runEnd = runStart + 1
            while runEnd < count && sorted[runEnd] >> lowestSortedBit == top { runEnd += 1 }
            if runEnd - runStart > 1 {
                var run = UnsafeMutableBufferPointer(rebasing: sorted[runStart..<runEnd])
                run.sort()
            }
            runStart = runEnd
        }
    }
    return source
}
