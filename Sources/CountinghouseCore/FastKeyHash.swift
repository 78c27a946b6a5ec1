// The 64-bit hash of a natural key's bytes, shared by the two places that look for repeated keys:
// ingest's duplicate check (KeyCollector) and the store's table of a file's keys
// (RepeatedKeyFinder).
//
// What is fast and unsafe here: it reads the key eight bytes at a time with unaligned loads through
// a raw pointer, so a wrong count reads outside the key. Why: it is on the path every row of an
// ingest takes (the key hash was part of the work that took parse + validate of an 80.9 MB file
// from 0.79 s to 0.52 s of CPU; see FastKeyHashing.swift); one function serves both callers
// instead of two mixes of their own. Not for adversaries: a collision only costs a byte
// comparison, never a wrong answer, in both callers.
// Invariant: equal bytes give equal hashes. Tested by FastKeyHashTests against `slowKeyHash`, the
// same formula read a byte at a time, on generated keys of every length from 0 to 80.

public enum FastKeyHash {
    /// The hash of `count` bytes at `start` (which may be nil only when `count` is 0).
    @inlinable
    public static func hash(_ start: UnsafeRawPointer?, count: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(count)
        var offset = 0
        guard let start, count > 0 else { return finish(hash) }
        while offset + 8 <= count {
            let word = start.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ UInt64(littleEndian: word)) &* 0x9e37_79b9_7f4a_7c15
            hash ^= hash >> 29
            offset += 8
        }
        if offset < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                word |= UInt64(start.load(fromByteOffset: offset, as: UInt8.self)) << shift
                shift += 8
                offset += 1
            }
            hash = (hash ^ word) &* 0x9e37_79b9_7f4a_7c15
        }
        return finish(hash)
    }

    /// The final avalanche: every input bit reaches every output bit.
    @inlinable
    static func finish(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }

    /// The hash of a byte array.
    @inlinable
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { raw in hash(raw.baseAddress, count: raw.count) }
    }
}
