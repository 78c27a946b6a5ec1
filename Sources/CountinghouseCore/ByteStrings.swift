// Texts held as their bytes one after another, numbered in the order they were added: packed rows'
// words (PackedRows.swift) and a day's ticket identifiers (TicketGaps.swift). Millions of short
// texts cost their bytes and four bytes each, where as many `String`s cost 16 bytes each and a
// heap object for any longer than 15 bytes. A text's bytes are kept as they came (FORMATS §1:
// identifiers are their bytes).

struct ByteStrings: Sendable, Hashable {
    private(set) var bytes: [UInt8] = []
    /// Where each text's bytes end; text i's start where text i − 1's end.
    private var ends: [UInt32] = []

    var count: Int { ends.count }

    mutating func append(contentsOf text: some Collection<UInt8>) {
        bytes.append(contentsOf: text)
        precondition(bytes.count <= Int(UInt32.max), "more than 4 GiB of texts in one list")
        ends.append(UInt32(bytes.count))
    }

    /// Text `index`'s bytes.
    subscript(index: Int) -> ArraySlice<UInt8> { bytes[(index == 0 ? 0 : Int(ends[index - 1]))..<Int(ends[index])] }
}
