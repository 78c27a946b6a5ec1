// The row validator's fast parts (FastRowSlots.swift) against slow, obvious versions: the key
// encoding against the same format built by appending to an array, for generated slots; the
// IN_TRANSIT test against comparing bytes; the slot buffer against an array.

import Testing

@testable import CountinghouseIngest

/// A slot's value without pointers.
private enum SlowSlot: Equatable {
    case null
    case bytes([UInt8])
    case lowercased([UInt8])
    case integer(Int64)
    case code(Int)
    case functionalCurrency
    case date(Int64)
}

/// The natural key's encoding, built one value at a time by appending to an array.
enum SlowKeyEncoding {
    fileprivate static func encode(_ slots: [SlowSlot]) -> [UInt8] {
        func littleEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
            (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        }
        var key: [UInt8] = []
        for slot in slots {
            switch slot {
            case .null: key.append(0)
            case .bytes(let text): key += [1] + littleEndian(UInt64(text.count), bytes: 4) + text
            case .lowercased(let text):
                let lowered = text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
                key += [1] + littleEndian(UInt64(text.count), bytes: 4) + lowered
            case .integer(let number): key += [2] + littleEndian(UInt64(bitPattern: number), bytes: 8)
            case .code(let index): key += [3, UInt8(index)]
            case .functionalCurrency: key.append(4)
            case .date(let days): key += [5] + littleEndian(UInt64(bitPattern: days), bytes: 8)
            }
        }
        return key
    }
}

private func generatedSlot(_ random: inout SeededGenerator) -> SlowSlot {
    func text(_ random: inout SeededGenerator) -> [UInt8] {
        (0..<random.pick([0, 1, 3, 7, 8, 9, 15, 16, 17, 40])).map { _ in UInt8(random.pick([0x41, 0x5A, 0x61, 0x7A, 0x40, 0x5B, 0x30, 0xC3, 0xA9, 0xFF, 0])) }
    }
    switch random.below(7) {
    case 0: return .null
    case 1: return .bytes(text(&random))
    case 2: return .lowercased(text(&random))
    case 3: return .integer(random.pick([0, 1, -1, .max, .min, Int64(bitPattern: random.next())]))
    case 4: return .code(random.below(9))
    case 5: return .functionalCurrency
    default: return .date(random.pick([0, -1, 20_000, Int64(bitPattern: random.next()) >> 20]))
    }
}

@Test func keysEncodeLikeTheSlowEncoder() {
    var random = SeededGenerator(seed: 0x6B_6579)
    for round in 0..<5000 {
        let columnCount = 1 + random.below(8)
        let slowSlots = (0..<columnCount).map { _ in generatedSlot(&random) }
        // Text lives in a buffer of its own, at odd addresses, as in the reader's buffer.
        let texts = slowSlots.map { slot -> [UInt8] in
            switch slot {
            case .bytes(let text), .lowercased(let text): return text
            default: return []
            }
        }
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: texts.reduce(1) { $0 + $1.count + 1 })
        defer { storage.deallocate() }
        let slots = SlotBuffer(count: columnCount)
        var offset = 1
        for (column, slot) in slowSlots.enumerated() {
            let start = storage + offset
            for (index, byte) in texts[column].enumerated() { start[index] = byte }
            offset += texts[column].count + 1
            switch slot {
            case .null: slots[column] = .null
            case .bytes(let text): slots[column] = .bytes(start, text.count)
            case .lowercased(let text): slots[column] = .lowercased(start, text.count)
            case .integer(let number): slots[column] = .integer(number)
            case .code(let index): slots[column] = .code(index)
            case .functionalCurrency: slots[column] = .functionalCurrency
            case .date(let days): slots[column] = .date(days)
            }
        }
        // The key's columns in any order, some left out, as a kind's natural key picks them.
        let columns = (0..<columnCount).filter { _ in random.percent(70) }.shuffled(using: &random)
        let expected = SlowKeyEncoding.encode(columns.map { slowSlots[$0] })
        let length = KeyEncoding.length(of: slots, columns: columns)
        #expect(length == expected.count, "round \(round)")
        // The encoder may write 8 bytes past the key (the arena's promise), never more.
        let sentinel: UInt8 = 0xA5
        var arena = [UInt8](repeating: sentinel, count: length + 8 + 16)
        arena.withUnsafeMutableBufferPointer { KeyEncoding.encode(slots, columns: columns, into: $0.baseAddress!) }
        #expect(Array(arena[..<length]) == expected, "round \(round)")
        #expect(arena[(length + 8)...].allSatisfy { $0 == sentinel }, "round \(round): wrote past the slack")
    }
}

@Test func inTransitIsRecognisedLikeComparingBytes() {
    let reserved = Array("IN_TRANSIT".utf8)
    var texts = ["IN_TRANSIT", "in_transit", "IN_TRANSIT ", " IN_TRANSIT", "IN_TRANSI", "IN_TRANSITS", "", "IN-TRANSIT", "S01"]
        .map { Array($0.utf8) }
    for position in 0..<reserved.count {
        for byte: UInt8 in [0, 0x20, 0x49, 0x54, 0x5F, reserved[position] ^ 0x20, reserved[position] ^ 0x80, reserved[position] &+ 1] {
            var changed = reserved
            changed[position] = byte
            texts.append(changed)
        }
    }
    var random = SeededGenerator(seed: 0x17_7A)
    for _ in 0..<2000 {
        texts.append((0..<random.pick([9, 10, 10, 11])).map { _ in UInt8(random.pick([0x49, 0x4E, 0x5F, 0x54, 0x52, 0x41, 0x53])) })
    }
    for bytes in texts {
        for offset in 0..<8 {
            // At every alignment, with other bytes around it.
            let buffer = [UInt8](repeating: 0x49, count: offset) + bytes + [0x54, 0x54]
            let fast = buffer.withUnsafeBufferPointer { isInTransit(Bytes(rebasing: $0[offset..<(offset + bytes.count)])) }
            #expect(fast == (bytes == reserved), "\(bytes) at offset \(offset)")
        }
    }
}

@Test func theSlotBufferHoldsWhatAnArrayHolds() {
    var random = SeededGenerator(seed: 0x510_7)
    let count = 37
    let buffer = SlotBuffer(count: count)
    var array = [Int64?](repeating: nil, count: count)
    for _ in 0..<10_000 {
        let index = random.below(count)
        if random.percent(30) {
            buffer[index] = .null
            array[index] = nil
        } else {
            let number = Int64(bitPattern: random.next())
            buffer[index] = .integer(number)
            array[index] = number
        }
        let probe = random.below(count)
        switch buffer[probe] {
        case .null: #expect(array[probe] == nil)
        case .integer(let number): #expect(array[probe] == number)
        default: Issue.record("slot \(probe) holds what was never written")
        }
    }
}
