// A span's cost lines held packed: each line's fields as bytes (integers as zigzag varints, text
// as its UTF-8 with a length), a line made again when it is read. A `CogsLine` is ~230 bytes of
// strings and integers; packed, a line of the generated chain takes ~70. The whole year's report
// holds 772,000 of them, a month of the nightly at scale 3.1 million.
//
// The slow, obvious version is `[CogsLine]`: the tests pack lines and compare them read back.

/// Cost lines, in the order they were appended, packed (see the file's note).
public struct PackedCogsLines: RandomAccessCollection, Sendable, Hashable {
    /// Every line's fields, one line after another.
    private var bytes: [UInt8] = []
    /// Where each line starts in `bytes`.
    private var starts: [Int] = []

    public init() {}

    public init(_ lines: some Sequence<CogsLine>) {
        for line in lines { append(line) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { starts.count }

    /// Room for `count` lines (their starts: the bytes grow as they come).
    public mutating func reserveCapacity(_ count: Int) { starts.reserveCapacity(count) }

    public mutating func append(_ line: CogsLine) {
        starts.append(bytes.count)
        putText(line.sku)
        putInteger(line.sequence)
        putText(line.outflowID)
        bytes.append(Self.code(of: line.kind))
        putInteger(line.occurredAt.nanosecondsSinceEpoch)
        putText(line.location)
        putText(line.documentID)
        if let number = line.lineNumber {
            bytes.append(1)
            putInteger(number)
        } else {
            bytes.append(0)
        }
        putInteger(line.quantity)
        putInteger(line.costedQuantity)
        putInteger(line.cost)
        putInteger(line.pendingQuantity)
        putInteger(line.provisionalCost)
        putInteger(line.cancelledQuantity)
        putText(line.flags)
    }

    public subscript(position: Int) -> CogsLine {
        var reader = Reader(bytes: bytes, at: starts[position])
        let sku = reader.text()
        let sequence = reader.integer()
        let outflowID = reader.text()
        let kind = Self.kinds[Int(reader.byte())]
        let occurredAt = Instant(nanosecondsSinceEpoch: reader.integer())
        let location = reader.text()
        let documentID = reader.text()
        let lineNumber: Int64? = reader.byte() == 1 ? reader.integer() : nil
        return CogsLine(
            sku: sku, sequence: sequence, outflowID: outflowID, kind: kind, occurredAt: occurredAt, location: location,
            documentID: documentID, lineNumber: lineNumber, quantity: reader.integer(), costedQuantity: reader.integer(),
            cost: reader.integer(), pendingQuantity: reader.integer(), provisionalCost: reader.integer(),
            cancelledQuantity: reader.integer(), flags: reader.text())
    }

    // MARK: Encoding

    /// The kinds by their one-byte code (the code is the place in this list).
    private static let kinds: [OutflowKind] = [.sale, .complimentary, .purchaseReturn, .transferShip, .shrinkage]

    private static func code(of kind: OutflowKind) -> UInt8 {
        switch kind {
        case .sale: return 0
        case .complimentary: return 1
        case .purchaseReturn: return 2
        case .transferShip: return 3
        case .shrinkage: return 4
        }
    }

    /// Zigzag (small magnitudes of either sign take few bytes), then 7 bits a byte, low first.
    private mutating func putInteger(_ value: Int64) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    private mutating func putText(_ text: String) {
        let utf8 = text.utf8
        putInteger(Int64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    private struct Reader {
        let bytes: [UInt8]
        var at: Int

        mutating func byte() -> UInt8 {
            defer { at += 1 }
            return bytes[at]
        }

        mutating func integer() -> Int64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = byte()
                value |= UInt64(next & 0x7F) << shift
                if next < 0x80 { break }
                shift += 7
            }
            return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
        }

        mutating func text() -> String {
            let count = Int(integer())
            defer { at += count }
            return String(decoding: bytes[at..<at + count], as: UTF8.self)
        }
    }
}
