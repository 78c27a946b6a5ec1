// A fixed number of yes-or-no marks, one bit each: the reconciliation keeps several per tender and
// per record (known by a day, ambiguous, a second capture, …), for millions of items in a busy
// month, where a `[Bool]` takes a byte a mark.

public struct Bits: Sendable, Equatable {
    private var words: [UInt64]
    public let count: Int

    /// `count` marks, all off.
    public init(count: Int) {
        precondition(count >= 0, "a negative count of marks")
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// `count` marks, mark `i` on when `isOn(i)`.
    public init(count: Int, _ isOn: (Int) -> Bool) {
        self.init(count: count)
        for index in 0..<count where isOn(index) { self[index] = true }
    }

    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "mark \(index) of \(count)")
            return words[index >> 6] & (1 << UInt64(index & 63)) != 0
        }
        set {
            precondition(index >= 0 && index < count, "mark \(index) of \(count)")
            if newValue {
                words[index >> 6] |= 1 << UInt64(index & 63)
            } else {
                words[index >> 6] &= ~(1 << UInt64(index & 63))
            }
        }
    }
}
