// The costing's fast paths, in one room: each is a faster way of doing something plain, kept
// because it is measured and serves the speed targets (`make bench`: a full recompute of 1M events
// in at most 1 s; the serial part of a parallel run bounds it), and each is tested against the
// plain version of the same function on generated input with fixed seeds (FastPathsTests).
// Nothing else in Costing/ reaches for unsafe buffers or hand-made hashing.
//
//  - `fnv1a(_:_:)`: FNV-1a over a string's UTF-8 bytes, read from contiguous storage (iterating
//    `utf8` costs several times more per byte); the hash of `SKUNumbering` and of `fingerprint`.
//    Tested against the definition, byte by byte over `Array(text.utf8)`.
//  - `SKUCostRun.fingerprint`: 12 bits of a sale line's key, so that the many sales no return
//    names skip hashing their key into a set. Tested against the same formula over that plain
//    FNV-1a.
//  - `SKUNumbering`: SKU codes numbered in order of first appearance with open addressing over
//    FNV-1a (numbering every event's SKU is the serial part of a parallel run, and a `Dictionary`'s
//    seeded SipHash costs several times more per lookup). Tested against a `Dictionary` numbering.
//  - `CostRuns.precedesInByteOrder`: byte order of two SKU codes over their contiguous storage.
//    Tested against `a.utf8.lexicographicallyPrecedes(b.utf8)`.
//  - `SKUCostRun.lineID` and `copyUTF8`: an outflow's id `KIND:DOCUMENT:LINE` written in one pass
//    into a string of the exact length (one per outflow, so worth not going through
//    interpolation). Tested against `"\(kind):\(document):\(line)"`.
//  - `FIFOEngine.inSequenceOrder`: a SKU's events in the order of §3.2, sorted only when they are
//    not in order already, comparing strings only on ties of instant and rank. Tested against a
//    plain stable sort by `sequenceKey`.
//  - `CostRuns.takingEach` and `Slots`: the parallel run's hand-out of each SKU's events and
//    collection of its results through buffers the threads share, each touching its own index
//    only. Tested against a plain `map`, and (CostRunsTests) against each SKU run alone.
//
// Strings: on Linux every Swift string has contiguous UTF-8; on Darwin a bridged NSString may not,
// so the byte-level functions take any bytes and the tests feed them bytes without contiguous
// storage too, and strings made by bridging and from substrings.

import Dispatch

/// FNV-1a over a string's UTF-8 bytes, from `start`: a cheap unseeded hash for tables the engine
/// builds per run.
func fnv1a(_ text: String, _ start: UInt64) -> UInt64 { fnv1a(bytes: text.utf8, start) }

/// FNV-1a over bytes, from `start`: from contiguous storage (a string's, small strings included)
/// where there is some, else one byte at a time.
func fnv1a(bytes: some Sequence<UInt8>, _ start: UInt64) -> UInt64 {
    let hash = bytes.withContiguousStorageIfAvailable { bytes in
        var hash = start
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
    if let hash { return hash }
    var slow = start
    for byte in bytes { slow = (slow ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return slow
}

extension SKUCostRun {
    /// A 12-bit fingerprint of a sale line's key (FNV-1a over the document's bytes and the line):
    /// equal keys have equal fingerprints.
    static func fingerprint(_ document: String, _ line: Int64) -> Int {
        let hash = fnv1a(document, 0xcbf2_9ce4_8422_2325 ^ UInt64(bitPattern: line))
        return Int(truncatingIfNeeded: (hash ^ (hash >> 32)) & 0xFFF)
    }

    /// `KIND:DOCUMENT:LINE` (LINE empty when nil), written in one pass into a string of the exact
    /// length: one per outflow, so it is worth not going through interpolation.
    static func lineID(_ kind: String, _ document: String, _ line: Int64?) -> String {
        var digits = 0
        if let line {
            var rest = line.magnitude
            repeat {
                digits += 1
                rest /= 10
            } while rest > 0
            if line < 0 { digits += 1 }
        }
        let length = kind.utf8.count + 1 + document.utf8.count + 1 + digits
        return String(unsafeUninitializedCapacity: length) { buffer in
            var offset = copyUTF8(kind, into: buffer, at: 0)
            buffer[offset] = UInt8(ascii: ":")
            offset = copyUTF8(document, into: buffer, at: offset + 1)
            buffer[offset] = UInt8(ascii: ":")
            offset += 1
            if let line {
                if line < 0 { buffer[offset] = UInt8(ascii: "-") }
                var rest = line.magnitude
                var position = length - 1
                repeat {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    position -= 1
                    rest /= 10
                } while rest > 0
            }
            return length
        }
    }

    /// Copies a string's UTF-8 bytes into `buffer` at `offset` and returns the offset after them.
    static func copyUTF8(_ text: String, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        copyUTF8(bytes: text.utf8, into: buffer, at: offset)
    }

    /// The same for any bytes: from contiguous storage (a string's, small strings included) in one
    /// copy where there is some, since iterating `utf8` costs several times more per byte; else one
    /// byte at a time (a string without contiguous UTF-8, such as a bridged one on Darwin).
    static func copyUTF8(bytes: some Sequence<UInt8>, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        let copied = bytes.withContiguousStorageIfAvailable { bytes -> Int in
            precondition(offset + bytes.count <= buffer.count, "the bytes fit the buffer")
            if let source = bytes.baseAddress, let target = buffer.baseAddress, bytes.count > 0 {
                (target + offset).update(from: source, count: bytes.count)
            }
            return offset + bytes.count
        }
        if let copied { return copied }
        var position = offset
        for byte in bytes {
            buffer[position] = byte
            position += 1
        }
        return position
    }
}

extension CostRuns {
    /// A buffer the concurrent iterations share, each reading and writing its own index only.
    struct Slots<Element>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Element>
    }

    /// `body(index, element)` for every element, in index order or (`parallel`) spread over the
    /// cores, its results in index order. Each element is taken out of `elements` (`leaving` in its
    /// place) before `body` gets it, so what it holds is freed on the thread that ran it.
    static func takingEach<Element: Sendable, Result: Sendable>(
        of elements: inout [Element], leaving empty: Element, parallel: Bool,
        _ body: @escaping @Sendable (Int, Element) -> Result
    ) -> [Result] {
        elements.withUnsafeMutableBufferPointer { elementBuffer in
            let elementSlots = Slots(buffer: elementBuffer)
            @Sendable func run(_ index: Int) -> Result {
                let element = elementSlots.buffer[index]
                elementSlots.buffer[index] = empty
                return body(index, element)
            }
            guard parallel else { return elementBuffer.indices.map(run) }
            var results = [Result?](repeating: nil, count: elementBuffer.count)
            results.withUnsafeMutableBufferPointer { buffer in
                let slots = Slots(buffer: buffer)
                DispatchQueue.concurrentPerform(iterations: buffer.count) { index in
                    slots.buffer[index] = run(index)
                }
            }
            // Every iteration wrote its slot.
            return results.map { result in
                guard let result else { preconditionFailure("a parallel iteration left its slot empty") }
                return result
            }
        }
    }

    /// Whether `a` precedes `b` in byte order (how every output sorts SKUs), comparing their
    /// contiguous UTF-8 storage where there is some: iterating `utf8` costs several times more.
    public static func precedesInByteOrder(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { aBytes in
            b.utf8.withContiguousStorageIfAvailable { bBytes -> Bool in
                for index in 0..<min(aBytes.count, bBytes.count) where aBytes[index] != bBytes[index] {
                    return aBytes[index] < bBytes[index]
                }
                return aBytes.count < bBytes.count
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Whether `a` and `b` have the same bytes (FORMATS §1: "é" and "e\u{301}" are two codes,
    /// where `==` calls them equal), on their contiguous UTF-8 storage where there is some.
    @inline(__always)
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { aBytes in
            b.utf8.withContiguousStorageIfAvailable { bBytes -> Bool in
                aBytes.count == bBytes.count && aBytes.elementsEqual(bBytes)
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.elementsEqual(b.utf8)
    }
}

/// SKU codes numbered 0, 1, 2… in order of first appearance: an open-addressing table hashed with
/// FNV-1a over the code's bytes. Numbering every event's SKU is the serial part of a parallel run,
/// and a `Dictionary`'s seeded SipHash cost several times more per lookup. (Unseeded, so codes
/// crafted to collide could slow a run down; SKU codes come from the chain's own files.)
struct SKUNumbering {
    private(set) var skus: [String] = []
    /// Per slot, 1 + the SKU's number (0: empty); a power of two in size, at most half full.
    private var slots = [Int32](repeating: 0, count: 1024)

    mutating func number(of sku: String) -> Int {
        var hash = fnv1a(sku, 0xcbf2_9ce4_8422_2325)
        hash ^= hash >> 29
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let number = Int(slots[slot]) - 1
            // Bytes, not `==` (canonical equivalence): "é" and "e\u{301}" are two SKUs, as the
            // store's SQL and FORMATS §1 compare them.
            if CostRuns.sameBytes(skus[number], sku) { return number }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(skus.count + 1)
        skus.append(sku)
        if skus.count * 2 > slots.count { rehash() }
        return skus.count - 1
    }

    private mutating func rehash() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let known = skus
        skus = []
        for sku in known { _ = number(of: sku) }
    }
}

extension FIFOEngine {
    /// The events in the order of §3.2, sorted only if they are not in order already (as events
    /// read from the ledger usually are). The instant and the rank (direction, then source kind)
    /// decide almost every comparison without touching a string; only ties compare the whole
    /// `SequenceKey`, and events equal in it keep their input order (a stable sort).
    static func inSequenceOrder(_ events: [CostEvent]) -> [CostEvent] {
        var entries: [SequenceEntry] = []
        entries.reserveCapacity(events.count)
        var ascending = true
        for index in events.indices {
            let entry = SequenceEntry(
                time: events[index].occurredAt.nanosecondsSinceEpoch,
                rank: events[index].directionRank * 8 + SequenceKey.sourceKindRank(events[index].source.kind), index: index)
            if ascending, let last = entries.last, (last.time, last.rank) >= (entry.time, entry.rank) { ascending = false }
            entries.append(entry)
        }
        if ascending { return events }
        entries.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.rank != b.rank { return a.rank < b.rank }
            let keyA = events[a.index].sequenceKey
            let keyB = events[b.index].sequenceKey
            if keyA < keyB { return true }
            if keyB < keyA { return false }
            return a.index < b.index
        }
        return entries.map { events[$0.index] }
    }

    /// An event's index with the leading fields of its `SequenceKey`.
    struct SequenceEntry {
        var time: Int64
        var rank: Int
        var index: Int
    }
}
