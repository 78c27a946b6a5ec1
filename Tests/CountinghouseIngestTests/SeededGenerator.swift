// Random numbers for the property tests: the sample generator's SplitMix64 from a fixed seed, so a
// failing case is the same on every run and every machine.
import CountinghouseSample

typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// One of `choices`.
    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}
