// Items chained by a 32-bit hash of their key: the reconciliation's joins (same payment_ref, same
// order id, same amount) without a dictionary of arrays per key.
//
// Why: matching a million card tenders against a million captures spent most of its time creating
// and hashing `[Key: [Int]]` entries (a String-keyed dictionary and a small array per key). Here a
// key is hashed once (FastKeyHash over its bytes), and the items sharing a slot are chained through
// two integer arrays: no allocation per item, a walk of about one item per lookup.
// Invariant: `items(hash:)` yields every item inserted with that hash, most recently inserted
// first (callers insert in descending order to walk ascending), and possibly items of other hashes
// never: the hash itself is compared. Equal hashes of different keys are possible: every caller
// compares the keys themselves. Tested against a dictionary (HashChainsTests).

struct HashChains {
    /// Per slot: the last item inserted there, -1 for none.
    private var heads: [Int32]
    /// Per item: the item inserted in the same slot before it, -1 for none.
    private var next: [Int32]
    /// Per item: its hash (0 when it was not inserted).
    private var hashes: [UInt32]
    private let mask: UInt32

    /// A table for items 0..<itemCount, of which about `expected` are inserted.
    init(itemCount: Int, expected: Int) {
        var slots = 16
        while slots < expected * 2 { slots *= 2 }
        heads = Array(repeating: -1, count: slots)
        next = Array(repeating: -1, count: itemCount)
        hashes = Array(repeating: 0, count: itemCount)
        mask = UInt32(slots - 1)
    }

    mutating func insert(_ item: Int, hash: UInt32) {
        let slot = Int(hash & mask)
        next[item] = heads[slot]
        hashes[item] = hash
        heads[slot] = Int32(item)
    }

    /// Calls `body` with each item inserted with `hash`, the latest inserted first.
    func forEach(hash: UInt32, _ body: (Int) -> Void) {
        var item = heads[Int(hash & mask)]
        while item >= 0 {
            if hashes[Int(item)] == hash { body(Int(item)) }
            item = next[Int(item)]
        }
    }
}

extension FastKeyHash {
    /// The hash of a string's UTF-8 bytes.
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash($0.baseAddress, count: $0.count) }
    }

    /// Mixes a key's parts (each already a hash or a small number) into one hash.
    static func combine(_ first: UInt64, _ second: UInt64, _ third: UInt64 = 0) -> UInt64 {
        finish((first &* 0x9e37_79b9_7f4a_7c15) ^ (second &+ 0x632b_e59b_d9b4_e019) ^ (third &* 0xff51_afd7_ed55_8ccd))
    }
}
