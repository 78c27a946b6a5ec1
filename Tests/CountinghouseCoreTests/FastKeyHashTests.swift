// The shared key hash read a word at a time equals the same formula read a byte at a time, on
// generated keys of every length (fixed seed), at every alignment.
import Testing

@testable import CountinghouseCore

/// The formula of `FastKeyHash.hash`, a byte at a time: eight-byte little-endian words, then the
/// tail, then the avalanche.
func slowKeyHash(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
    var index = 0
    while index + 8 <= bytes.count {
        var word: UInt64 = 0
        for byte in 0..<8 { word |= UInt64(bytes[index + byte]) << (8 * UInt64(byte)) }
        hash = (hash ^ word) &* 0x9e37_79b9_7f4a_7c15
        hash ^= hash >> 29
        index += 8
    }
    if index < bytes.count {
        var word: UInt64 = 0
        for (shift, byte) in bytes[index...].enumerated() { word |= UInt64(byte) << (8 * UInt64(shift)) }
        hash = (hash ^ word) &* 0x9e37_79b9_7f4a_7c15
    }
    hash ^= hash >> 33
    hash = hash &* 0xff51_afd7_ed55_8ccd
    hash ^= hash >> 33
    return hash
}

@Test func theKeyHashEqualsItsByteAtATimeFormula() {
    var state: UInt64 = 0x5EED
    func next() -> UInt8 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    for length in 0...80 {
        for _ in 0..<20 {
            let key = (0..<length).map { _ in next() }
            #expect(FastKeyHash.hash(key) == slowKeyHash(key), "length \(length)")
            // At every alignment inside a larger buffer, as ingest's arena holds keys.
            for shift in 0..<8 {
                let padded = [UInt8](repeating: 0xAA, count: shift) + key + [0xBB, 0xBB]
                let hash = padded.withUnsafeBytes { raw in FastKeyHash.hash(raw.baseAddress.map { $0 + shift }, count: length) }
                #expect(hash == slowKeyHash(key), "length \(length) at offset \(shift)")
            }
        }
    }
    #expect(FastKeyHash.hash([]) == slowKeyHash([]))
}
