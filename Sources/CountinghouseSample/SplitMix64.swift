// The generator's own random numbers: SplitMix64 (Steele, Lea and Flood, 2014); the property tests
// draw from it too, so a seed names the same case on every machine.
//
// The sample generator never asks the system for randomness, so one seed gives the same bytes on
// every machine and every run. Every draw goes through this struct; nothing iterates a Swift
// `Dictionary` or `Set` (their order changes from process to process).

public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `0..<bound` (multiply-high; the bias is below 2⁻⁶⁰ for our bounds).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "an empty range to draw from")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A whole number in `lower...upper`.
    public mutating func between(_ lower: Int, _ upper: Int) -> Int { lower + below(upper - lower + 1) }

    /// True with the given chance in percent.
    public mutating func percent(_ chance: Int) -> Bool { below(100) < chance }

    private static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// An opaque identifier in the style of a payment processor: `prefix` + 24 base-62 characters.
    mutating func identifier(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        for _ in 0..<24 { bytes.append(SplitMix64.base62[below(62)]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
