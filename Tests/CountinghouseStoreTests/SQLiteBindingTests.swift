// SQLite parameters bound from the statement's own kept bytes (`bindHeld`, SQLITE_STATIC over
// chunks that never move) against the obvious binding (SQLite's own copy): the same values read
// back, round after round of the same statement, with texts empty, short, multi-byte, straddling
// a chunk's end and larger than a chunk; NULLs and integers beside them. Fixed seed.
import CountinghouseCore
import CountinghouseSample
import Foundation
import Testing

@testable import CountinghouseStore

@Suite("SQLite binding")
struct SQLiteBindingTests {
    static let parameters = 24

    static func text(_ generator: inout SplitMix64) -> String {
        let length: Int
        switch generator.next() % 8 {
        case 0: length = 0
        case 1: length = 20_000 + Int(generator.next() % 30_000)  // a few of these cross a chunk's end
        case 2: length = 70_000 + Int(generator.next() % 70_000)  // more than a chunk
        default: length = Int(generator.next() % 40)
        }
        let alphabet: [Character] = ["a", "Z", "0", ";", "'", "é", "€", "𝄞", " ", "\u{0}"]
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    @Test func heldBindingsReadBackAsCopiedOnes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("binding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let connection = try SQLiteConnection(
            path: folder.appendingPathComponent("t.sqlite").path, create: true, busyTimeoutMilliseconds: 0)
        let select = "SELECT " + (1...Self.parameters).map { "?\($0)" }.joined(separator: ", ")
        let held = try connection.prepare(select)
        let copied = try connection.prepare(select)
        var generator = SplitMix64(seed: 7)
        for round in 0..<40 {
            held.rewind()
            copied.reset()
            var values: [FieldValue] = []
            for index in 1...Int32(Self.parameters) {
                let value: FieldValue
                switch generator.next() % 6 {
                case 0: value = .null
                case 1: value = .integer(Int64(bitPattern: generator.next()))
                default: value = .text(Self.text(&generator))
                }
                values.append(value)
                if case .text(let text) = value, generator.next() % 2 == 0 {
                    try held.bindHeld(utf8: Array(text.utf8), at: index)
                } else {
                    try held.bindHeld(value, at: index)
                }
                try copied.bind(value, at: index)
            }
            #expect(try held.step() && copied.step())
            for (column, value) in values.enumerated() {
                let isInteger = value.integerValue != nil
                let fromHeld = held.value(Int32(column), integer: isInteger)
                #expect(fromHeld == value, "round \(round), parameter \(column + 1)")
                #expect(fromHeld == copied.value(Int32(column), integer: isInteger))
            }
        }
    }
}
