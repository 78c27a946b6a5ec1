// FAST PATH: the open-addressing table that finds a natural key repeated inside one file.
//
// Place in the pipeline: both stores' append loops ask it, for every row of a file, whether the
// row's key came earlier in the same file (a row error, SEMANTICS §1).
// Why it is fast: keys live back to back in one byte arena instead of one String per key, hashed by
// the core's FastKeyHash (the unsafe part, unaligned loads, lives there, in its own named file,
// shared with ingest). Invariants: a repeat is reported only for byte-equal keys (equal hashes are
// confirmed by comparing the bytes), always with the row where the key first appeared.
// RepeatedKeyFinderTests holds it equal to a plain `[[UInt8]: Int]` dictionary on generated keys.
// Errors a user can see: none (the store turns a repeat into `LedgerMessages.repeatedKey`).

import CountinghouseCore

/// Finds a natural key repeated inside one file (a row error, SEMANTICS §1).
///
/// Why not `[String: Int]`: for a million rows the dictionary cost a String and a SipHash per row and
/// was the largest single client cost of a PostgreSQL ingest. Keys live here back to back in one
/// byte arena, found through an open-addressing table of (hash, entry) slots; equal hashes are
/// confirmed by comparing the bytes, so a hash collision never reports a false repeat.
struct RepeatedKeyFinder {
    private var arena: [UInt8] = []
    private var ends: [Int] = []
    private var firstRows: [Int] = []
    private var hashes: [UInt64] = []
    /// 0 is empty; otherwise the entry index + 1 in the low 32 bits and the hash's top 32 bits above.
    private var slots: [UInt64]
    private var mask: Int

    init(expectedKeys: Int) {
        var capacity = 1024
        while capacity < expectedKeys * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        ends.reserveCapacity(expectedKeys)
        firstRows.reserveCapacity(expectedKeys)
        hashes.reserveCapacity(expectedKeys)
        arena.reserveCapacity(expectedKeys * 24)
    }


    /// The row `key` was remembered at, if it was.
    func row(of key: [UInt8]) -> Int? {
        if firstRows.isEmpty { return nil }
        return find(key, hash: Self.hash(key)).row
    }

    /// The row of an earlier occurrence of `key`; nil (and `key` remembered at `row`) when new.
    mutating func earlierRow(of key: [UInt8], row: Int) -> Int? {
        let hash = Self.hash(key)
        let (slot, earlier) = find(key, hash: hash)
        if let earlier { return earlier }
        insert(key, row: row, hash: hash, slot: slot)
        return nil
    }

    /// The row of `key` when present, else the empty slot where it belongs.
    private func find(_ key: [UInt8], hash: UInt64) -> (slot: Int, row: Int?) {
        let tag = hash & 0xffff_ffff_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let occupant = slots[slot]
            if occupant == 0 { return (slot, nil) }
            if occupant & 0xffff_ffff_0000_0000 == tag {
                let entry = Int(occupant & 0xffff_ffff) - 1
                let start = entry == 0 ? 0 : ends[entry - 1]
                if arena[start..<ends[entry]].elementsEqual(key) { return (slot, firstRows[entry]) }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func insert(_ key: [UInt8], row: Int, hash: UInt64, slot: Int) {
        let tag = hash & 0xffff_ffff_0000_0000
        precondition(firstRows.count < Int(UInt32.max - 1), "too many keys in one file")
        arena.append(contentsOf: key)
        ends.append(arena.count)
        firstRows.append(row)
        hashes.append(hash)
        slots[slot] = tag | UInt64(firstRows.count)
        if firstRows.count * 2 > slots.count { grow() }
    }

    /// Remembers `key` at `row` unless it is already there.
    mutating func remember(_ key: [UInt8], row: Int) {
        _ = earlierRow(of: key, row: row)
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for (entry, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash & 0xffff_ffff_0000_0000) | UInt64(entry + 1)
        }
    }

    /// The key's hash: the core's `FastKeyHash`, shared with ingest's duplicate check (not for
    /// adversaries: a collision only costs a byte comparison).
    private static func hash(_ key: [UInt8]) -> UInt64 { FastKeyHash.hash(key) }
}
