// Rows held packed: each row's fields as bytes (integers as zigzag varints, text as its UTF-8 with
// a length, a word as its number in the rows' list of words), the row made again when it is read. A
// span's cost lines and the books' card tenders and settlement records are held so: a `CogsLine` is
// ~230 bytes of strings and integers and under 100 packed; a settlement record with its three long
// identifiers ~390 and under 150.
//
// A word is a text of few distinct values — a code, a location, a currency, a processor, a SKU, a
// payout (hundreds of records share one) — held once, in the order first seen, and compared by its
// bytes (FORMATS §1), as `OpaqueID` compares them. With the words (and the compact ticket gaps of
// TicketGaps.swift), the books of three generated years (737k card tenders, 735k settlement
// records) took 78 MiB less once their rows were read (315 → 237 MiB).
//
// The slow, obvious version is an array of the rows: the tests pack rows and compare them read back.

/// A row that can be packed: its fields written in one order and read back in the same.
public protocol PackableRow: Sendable {
    /// How each field is written, in the order `pack` writes them (a code is text).
    static var packedFields: [PackedField] { get }
    func pack(into packer: inout RowPacker)
    init(unpacking reader: inout RowUnpacker)
}

/// How a packed field is written.
public enum PackedField: Sendable {
    case integer, text, optionalInteger, optionalText
    /// A text of few distinct values: its number among the rows' words (a code is one).
    case word, optionalWord
    /// An instant: its whole seconds, and its nanoseconds past them only when there are any (5
    /// bytes for a time of this century to the second, where its nanoseconds took 9).
    case instant
}

/// Rows in the order they were appended, packed (see the file's note).
public struct PackedRows<Row: PackableRow>: RandomAccessCollection, Sendable, Hashable {
    private var packer = RowPacker()
    /// Where each row starts in the packer's bytes: its block's start (a block is 65,536 rows)
    /// plus its own offset from there, in four bytes (millions of rows are held so).
    private var blockStarts: [Int] = []
    private var starts: [UInt32] = []
    private static var rowsPerBlock: Int { 1 << 16 }

    public init() {}

    public init(_ rows: some Sequence<Row>) {
        for row in rows { append(row) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { starts.count }

    /// Room for `count` rows (their starts: the bytes grow as they come).
    public mutating func reserveCapacity(_ count: Int) { starts.reserveCapacity(count) }

    public mutating func append(_ row: Row) {
        if starts.count % Self.rowsPerBlock == 0 { blockStarts.append(packer.bytes.count) }
        let offset = packer.bytes.count - blockStarts[blockStarts.count - 1]
        precondition(offset <= Int(UInt32.max), "more than 4 GiB of packed rows in 65,536 rows")
        starts.append(UInt32(offset))
        row.pack(into: &packer)
    }

    /// Where the row at `position` starts in the packer's bytes.
    private func start(_ position: Int) -> Int { blockStarts[position / Self.rowsPerBlock] + Int(starts[position]) }

    public subscript(position: Int) -> Row {
        var reader = RowUnpacker(bytes: packer.bytes, words: packer.words, at: start(position))
        return Row(unpacking: &reader)
    }

    /// The bytes the rows take: their fields and their words once.
    public var byteCount: Int { packer.bytes.count + packer.words.bytes.count }

    /// The bytes of one text field of a row (`field`: its place in `Row.packedFields`), without
    /// making the row or the string: nil when an optional text is absent.
    public func textBytes(_ position: Int, field: Int) -> ArraySlice<UInt8>? {
        var reader = RowUnpacker(bytes: packer.bytes, words: packer.words, at: start(position))
        let fields = Row.packedFields
        for shape in fields[..<field] { reader.skip(shape) }
        switch fields[field] {
        case .text: return reader.textBytes()
        case .optionalText: return reader.byte() == 1 ? reader.textBytes() : nil
        case .word: return reader.wordBytes()
        case .optionalWord: return reader.byte() == 1 ? reader.wordBytes() : nil
        case .integer, .optionalInteger, .instant: preconditionFailure("field \(field) of \(Row.self) is not text")
        }
    }
}

/// A span's cost lines, packed.
public typealias PackedCogsLines = PackedRows<CogsLine>

/// Packed rows seen in another order (`order[i]` is the place of the i-th row among `rows`),
/// without moving them.
public struct RowsInOrder<Row: PackableRow>: RandomAccessCollection, Sendable {
    public let rows: PackedRows<Row>
    /// Places among `rows`, four bytes each (millions of tenders and records are seen so).
    public let order: [Int32]

    public init(_ rows: PackedRows<Row>, order: [Int32]) {
        self.rows = rows
        self.order = order
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { order.count }
    public subscript(position: Int) -> Row { rows[Int(order[position])] }

    /// `PackedRows.textBytes` of the row at `position` in this order.
    public func textBytes(_ position: Int, field: Int) -> ArraySlice<UInt8>? { rows.textBytes(Int(order[position]), field: field) }
}

/// Writes a row's fields.
public struct RowPacker: Sendable, Hashable {
    fileprivate(set) var bytes: [UInt8] = []
    /// The words, numbered in the order first seen.
    fileprivate(set) var words = ByteStrings()
    /// Each word's number in `words`.
    private var wordNumbers: [OpaqueID: Int] = [:]

    /// Zigzag (small magnitudes of either sign take few bytes), then 7 bits a byte, low first.
    public mutating func integer(_ value: Int64) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    public mutating func text(_ text: String) {
        let utf8 = text.utf8
        integer(Int64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func optionalInteger(_ value: Int64?) { optional(value) { $0.integer($1) } }

    public mutating func optionalText(_ value: String?) { optional(value) { $0.text($1) } }

    /// An optional field: a byte saying whether it is there, then the field.
    private mutating func optional<Value>(_ value: Value?, _ write: (inout RowPacker, Value) -> Void) {
        if let value {
            bytes.append(1)
            write(&self, value)
        } else {
            bytes.append(0)
        }
    }

    /// Seconds (floored) doubled, odd when the nanoseconds past them follow.
    public mutating func instant(_ instant: Instant) {
        let nanoseconds = instant.nanosecondsSinceEpoch
        let (seconds, fraction) = floorDivide(nanoseconds, Instant.nanosecondsPerSecond)
        if fraction == 0 {
            integer(seconds << 1)
        } else {
            integer(seconds << 1 | 1)
            integer(fraction)
        }
    }

    /// A text of few distinct values (see the file's note).
    public mutating func word(_ text: String) {
        let key = OpaqueID(text)
        let number: Int
        if let known = wordNumbers[key] {
            number = known
        } else {
            number = words.count
            words.append(contentsOf: text.utf8)
            wordNumbers[key] = number
        }
        integer(Int64(number))
    }

    public mutating func optionalWord(_ value: String?) { optional(value) { $0.word($1) } }

    /// A code: one of its type's raw values, as a word.
    public mutating func code<Code: RawRepresentable>(_ code: Code) where Code.RawValue == String { word(code.rawValue) }
}

/// Reads a row's fields in the order they were written.
public struct RowUnpacker {
    let bytes: [UInt8]
    let words: ByteStrings
    var at: Int

    mutating func byte() -> UInt8 {
        defer { at += 1 }
        return bytes[at]
    }

    public mutating func integer() -> Int64 {
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

    public mutating func text() -> String { String(decoding: textBytes(), as: UTF8.self) }

    mutating func textBytes() -> ArraySlice<UInt8> {
        let count = Int(integer())
        defer { at += count }
        return bytes[at..<at + count]
    }

    mutating func wordBytes() -> ArraySlice<UInt8> { words[Int(integer())] }

    /// An instant written by `RowPacker.instant`.
    public mutating func instant() -> Instant {
        let seconds = integer()
        let fraction = seconds & 1 == 1 ? integer() : 0
        // In 128 bits: the floored seconds of an instant near Int64's lower end, as nanoseconds,
        // are below it until the fraction is added.
        return Instant(nanosecondsSinceEpoch: Int64(Int128(seconds >> 1) * Int128(Instant.nanosecondsPerSecond) + Int128(fraction)))
    }

    public mutating func word() -> String { String(decoding: wordBytes(), as: UTF8.self) }

    public mutating func optionalWord() -> String? { byte() == 1 ? word() : nil }

    /// Steps over one field.
    mutating func skip(_ shape: PackedField) {
        switch shape {
        case .integer, .word: _ = integer()
        case .text: at += Int(integer())
        case .optionalInteger: if byte() == 1 { _ = integer() }
        case .optionalText: if byte() == 1 { at += Int(integer()) }
        case .optionalWord: if byte() == 1 { _ = integer() }
        case .instant: if integer() & 1 == 1 { _ = integer() }
        }
    }

    public mutating func optionalInteger() -> Int64? { byte() == 1 ? integer() : nil }

    public mutating func optionalText() -> String? { byte() == 1 ? text() : nil }

    /// A code written by `RowPacker.code` (the packer wrote one of the type's raw values).
    public mutating func code<Code: RawRepresentable>(_: Code.Type) -> Code where Code.RawValue == String {
        let raw = word()
        guard let code = Code(rawValue: raw) else { preconditionFailure("packed rows hold \(raw), not a \(Code.self)") }
        return code
    }
}

extension CogsLine: PackableRow {
    public static let packedFields: [PackedField] = [
        .word, .integer, .text, .word, .instant, .word, .text, .optionalInteger, .integer, .integer, .integer, .integer, .integer,
        .integer, .word,
    ]

    public func pack(into packer: inout RowPacker) {
        packer.word(sku)
        packer.integer(sequence)
        packer.text(outflowID)
        packer.code(kind)
        packer.instant(occurredAt)
        packer.word(location)
        packer.text(documentID)
        packer.optionalInteger(lineNumber)
        packer.integer(quantity)
        packer.integer(costedQuantity)
        packer.integer(cost)
        packer.integer(pendingQuantity)
        packer.integer(provisionalCost)
        packer.integer(cancelledQuantity)
        packer.word(flags)
    }

    public init(unpacking reader: inout RowUnpacker) {
        let sku = reader.word()
        let sequence = reader.integer()
        let outflowID = reader.text()
        let kind = reader.code(OutflowKind.self)
        let occurredAt = reader.instant()
        let location = reader.word()
        let documentID = reader.text()
        let lineNumber = reader.optionalInteger()
        self.init(
            sku: sku, sequence: sequence, outflowID: outflowID, kind: kind, occurredAt: occurredAt, location: location,
            documentID: documentID, lineNumber: lineNumber, quantity: reader.integer(), costedQuantity: reader.integer(),
            cost: reader.integer(), pendingQuantity: reader.integer(), provisionalCost: reader.integer(),
            cancelledQuantity: reader.integer(), flags: reader.word())
    }
}

extension POSTender: PackableRow {
    // The identifiers the matching compares come first: `textBytes` reaches them without stepping
    // over other fields.
    public static let packedFields: [PackedField] = [
        .optionalText, .text, .integer, .instant, .word, .word, .word, .integer, .word, .optionalWord,
    ]
    /// Places of text fields in `packedFields` (for `PackedRows.textBytes`).
    public static let paymentRefField = 0
    public static let orderIDField = 1

    public func pack(into packer: inout RowPacker) {
        packer.optionalText(paymentRef)
        packer.text(orderID)
        packer.integer(tenderNumber)
        packer.instant(occurredAt)
        packer.word(location)
        packer.code(tender)
        packer.code(type)
        packer.integer(amount)
        packer.word(currency)
        packer.optionalWord(processor)
    }

    public init(unpacking reader: inout RowUnpacker) {
        paymentRef = reader.optionalText()
        orderID = reader.text()
        tenderNumber = reader.integer()
        occurredAt = reader.instant()
        location = reader.word()
        tender = reader.code(TenderKind.self)
        type = reader.code(TenderType.self)
        amount = reader.integer()
        currency = reader.word()
        processor = reader.optionalWord()
    }
}

extension SettlementRecord: PackableRow {
    // The identifiers the matching and the payouts compare come first (see POSTender's).
    public static let packedFields: [PackedField] = [
        .optionalText, .optionalText, .optionalWord, .word, .text, .word, .instant, .word, .integer, .integer, .integer,
        .optionalInteger, .optionalWord, .optionalWord,
    ]
    /// Places of text fields in `packedFields` (for `PackedRows.textBytes`).
    public static let paymentRefField = 0
    public static let orderIDField = 1
    public static let payoutIDField = 2

    public func pack(into packer: inout RowPacker) {
        packer.optionalText(paymentRef)
        packer.optionalText(orderID)
        packer.optionalWord(payoutID)
        packer.word(processor)
        packer.text(recordID)
        packer.code(type)
        packer.instant(occurredAt)
        packer.word(currency)
        packer.integer(gross)
        packer.integer(fee)
        packer.integer(net)
        packer.optionalInteger(availableOn?.daysSinceEpoch)
        packer.optionalWord(vendorCategory)
        packer.optionalWord(paymentMethod)
    }

    public init(unpacking reader: inout RowUnpacker) {
        paymentRef = reader.optionalText()
        orderID = reader.optionalText()
        payoutID = reader.optionalWord()
        processor = reader.word()
        recordID = reader.text()
        type = reader.code(SettlementType.self)
        occurredAt = reader.instant()
        currency = reader.word()
        gross = reader.integer()
        fee = reader.integer()
        net = reader.integer()
        availableOn = reader.optionalInteger().map(CivilDate.init(daysSinceEpoch:))
        vendorCategory = reader.optionalWord()
        paymentMethod = reader.optionalWord()
    }
}
