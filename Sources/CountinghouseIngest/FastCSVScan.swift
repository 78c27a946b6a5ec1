// The CSV reader's fast scanner: one RFC 4180 record found in the reader's buffer, fields as ranges.
//
// Place in the pipeline: `CSVReader.forEachRecord` (CSVReader.swift) calls `scanRecord` on its
// buffer for every record of every file; this is the innermost loop of ingest.
// What is fast and unsafe here: the scanner reads the buffer through raw pointers with no bounds
// checks, skips unquoted text eight bytes at a time (`bytesBelowComma`, an unaligned 64-bit load
// and a carry-free per-byte test), writes field ranges into a pointer list it grows by hand
// (`FieldList`), and undoubles `""` in place in the buffer. An off-by-one here reads or writes
// past a record or mis-frames every record after it.
// Why: parse + validate of the bench's 1,000,000-row pos_lines file (80.9 MB) went from 0.79 s to
// 0.52 s of CPU when the word-at-a-time scan came in with the key arena (commit d1e8857), and the
// problem as a plain enum took ScanOutcome's reference counting (about 1.2% of parse CPU) off the
// path every record takes (commit 49aa0c3).
// Invariants: only bytes up to the comma (0x2C: the comma, the quote, CR and LF among them) can end
// an unquoted field, so a word without one is data; `.incomplete` is returned whenever the next byte could change the answer (a quote that
// may be doubled, a CR that may precede LF) and more input may come, so a chunk boundary anywhere
// gives the same records. Problems are values (`ScanProblem`), worded by the reader only for a bad
// record: "quoted field not closed before the end of the file", "unexpected character after a
// closing quote", "quote inside an unquoted field".
// Tested by: FastCSVScanTests.swift, against `SlowCSV` (a character-by-character RFC 4180 parser
// over the whole input) on generated files (fixed seed) read with every chunk size from 4 bytes,
// and `bytesBelowComma` against a byte-by-byte loop for every byte value at every position.

enum ScanOutcome {
    /// The record does not end within the bytes read so far.
    case incomplete
    /// A whole record: its field count, where the next record starts, any problem, and whether a
    /// byte is not ASCII or is NUL (the record's fields must then be checked).
    case complete(fieldCount: Int, next: Int, problem: ScanProblem, hasNonASCII: Bool)
}

/// What the scanner found wrong with a record, without words: a plain value keeps `ScanOutcome`
/// free of reference counting on the path every record takes.
enum ScanProblem {
    case none
    case quoteNotClosed
    case characterAfterClosingQuote
    case quoteInUnquotedField

    var reason: String? {
        switch self {
        case .none: return nil
        case .quoteNotClosed: return "quoted field not closed before the end of the file"
        case .characterAfterClosingQuote: return "unexpected character after a closing quote"
        case .quoteInUnquotedField: return "quote inside an unquoted field"
        }
    }
}

/// The scanner's field ranges: one allocation, grown (rarely) when a record has more fields.
struct FieldList {
    private(set) var base = UnsafeMutablePointer<CSVField>.allocate(capacity: 64)
    private var capacity = 64

    @inline(__always)
    mutating func append(_ field: CSVField, at index: Int) {
        if index == capacity { grow() }
        (base + index).initialize(to: field)
    }

    @inline(never)
    private mutating func grow() {
        let larger = UnsafeMutablePointer<CSVField>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: base, count: capacity)
        base.deallocate()
        base = larger
        capacity *= 2
    }

    func deallocate() { base.deallocate() }
}

let asciiQuote = UInt8(ascii: "\"")
let asciiComma = UInt8(ascii: ",")
let asciiLineFeed = UInt8(ascii: "\n")
let asciiCarriageReturn = UInt8(ascii: "\r")

/// Scans one record starting at `start`. Returns `.incomplete` when the bytes run out before the
/// record ends and more may come.
@inline(__always)
func scanRecord(
    buffer: UnsafeMutablePointer<UInt8>, start: Int, filled: Int, atEnd: Bool,
    fields: inout FieldList
) -> ScanOutcome {
    var index = start
    var fieldCount = 0
    // The bytes looked at one by one, OR-ed, each with itself minus one: the high bit tells of a
    // byte of 0x80 or above (non-ASCII) or of a NUL (0 - 1 wraps to 0xFF), which the validator
    // refuses; two operations and no branch. A NUL is below the comma, so no word skips one.
    var nonASCII: UInt8 = 0
    // The bytes the word-at-a-time loop passed over, OR-ed: their high bits tell of non-ASCII.
    var wordNonASCII: UInt64 = 0
    var hasNonASCII: Bool { nonASCII >= 0x80 || wordNonASCII & 0x8080_8080_8080_8080 != 0 }

    @inline(__always) func append(_ field: CSVField) {
        fields.append(field, at: fieldCount)
        fieldCount += 1
    }

    /// Skips to the end of the line after a problem; nil when more bytes are needed.
    func recover(from position: Int, problem: ScanProblem) -> ScanOutcome? {
        var cursor = position
        while cursor < filled {
            if buffer[cursor] == asciiLineFeed {
                return .complete(fieldCount: fieldCount, next: cursor + 1, problem: problem, hasNonASCII: false)
            }
            cursor += 1
        }
        if !atEnd { return nil }
        return .complete(fieldCount: fieldCount, next: filled, problem: problem, hasNonASCII: false)
    }

    while true {
        // One field per iteration.
        if index < filled && buffer[index] == asciiQuote {
            let contentStart = index + 1
            var cursor = contentStart
            var escaped = false
            var contentEnd = -1
            while cursor < filled {
                let byte = buffer[cursor]
                nonASCII |= byte | (byte &- 1)
                if byte == asciiQuote {
                    if cursor + 1 == filled && !atEnd { return .incomplete }
                    if cursor + 1 < filled && buffer[cursor + 1] == asciiQuote {
                        escaped = true
                        cursor += 2
                        continue
                    }
                    contentEnd = cursor
                    cursor += 1
                    break
                }
                cursor += 1
            }
            if contentEnd < 0 {
                if !atEnd { return .incomplete }
                return .complete(fieldCount: fieldCount, next: filled, problem: .quoteNotClosed, hasNonASCII: hasNonASCII)
            }
            let field = CSVField(start: contentStart, end: contentEnd, isQuoted: true, isEscaped: escaped)
            // After the closing quote: a comma, a line end or the end of the input.
            if cursor == filled {
                if !atEnd { return .incomplete }
                append(field)
                return .complete(fieldCount: fieldCount, next: filled, problem: .none, hasNonASCII: hasNonASCII)
            }
            let after = buffer[cursor]
            if after == asciiComma {
                append(field)
                index = cursor + 1
                continue
            }
            if after == asciiLineFeed {
                append(field)
                return .complete(fieldCount: fieldCount, next: cursor + 1, problem: .none, hasNonASCII: hasNonASCII)
            }
            if after == asciiCarriageReturn {
                if cursor + 1 == filled {
                    if !atEnd { return .incomplete }
                    append(field)
                    return .complete(fieldCount: fieldCount, next: filled, problem: .none, hasNonASCII: hasNonASCII)
                }
                if buffer[cursor + 1] == asciiLineFeed {
                    append(field)
                    return .complete(
                        fieldCount: fieldCount, next: cursor + 2, problem: .none, hasNonASCII: hasNonASCII)
                }
            }
            return recover(from: cursor, problem: .characterAfterClosingQuote) ?? .incomplete
        }

        // An unquoted field: runs to a comma, a line end or the end of the input.
        let fieldStart = index
        var cursor = index
        while cursor < filled {
            // Eight bytes at a time up to the first byte that may end the field: only bytes below
            // the comma can (the comma, the quote, CR and LF), and most text is above it.
            while cursor + 8 <= filled {
                let word = UnsafeRawPointer(buffer + cursor).loadUnaligned(as: UInt64.self)
                let stops = bytesBelowComma(word)
                if stops == 0 {
                    wordNonASCII |= word
                    cursor += 8
                    continue
                }
                let skipped = stops.trailingZeroBitCount >> 3
                wordNonASCII |= word & ((1 << (UInt64(skipped) << 3)) &- 1)
                cursor += skipped
                break
            }
            if cursor == filled { break }
            let byte = buffer[cursor]
            if byte > asciiComma || (byte != asciiComma && byte != asciiQuote && byte != asciiLineFeed && byte != asciiCarriageReturn) {
                nonASCII |= byte | (byte &- 1)
                cursor += 1
                continue
            }
            if byte == asciiComma {
                append(CSVField(start: fieldStart, end: cursor))
                break
            }
            if byte == asciiLineFeed {
                append(CSVField(start: fieldStart, end: cursor))
                return .complete(fieldCount: fieldCount, next: cursor + 1, problem: .none, hasNonASCII: hasNonASCII)
            }
            if byte == asciiCarriageReturn {
                if cursor + 1 == filled {
                    if !atEnd { return .incomplete }
                    append(CSVField(start: fieldStart, end: cursor))
                    return .complete(fieldCount: fieldCount, next: filled, problem: .none, hasNonASCII: hasNonASCII)
                }
                if buffer[cursor + 1] == asciiLineFeed {
                    append(CSVField(start: fieldStart, end: cursor))
                    return .complete(
                        fieldCount: fieldCount, next: cursor + 2, problem: .none, hasNonASCII: hasNonASCII)
                }
                // A lone carriage return is data.
                cursor += 1
                continue
            }
            // A quote inside an unquoted field.
            return recover(from: cursor, problem: .quoteInUnquotedField) ?? .incomplete
        }
        if cursor == filled {
            if !atEnd { return .incomplete }
            append(CSVField(start: fieldStart, end: cursor))
            return .complete(fieldCount: fieldCount, next: filled, problem: .none, hasNonASCII: hasNonASCII)
        }
        index = cursor + 1
    }
}

/// A word with the high bit set in each byte of `word` at or below the comma (0x2C): the bytes that may
/// end an unquoted field. Exact per byte (no carries cross bytes), so the lowest bit set is the
/// first such byte; bytes of 0x80 and above (non-ASCII) are never flagged.
@inline(__always)
func bytesBelowComma(_ word: UInt64) -> UInt64 {
    let highBits: UInt64 = 0x8080_8080_8080_8080
    let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    // (byte & 0x7F) + 0x53 reaches 0x80 exactly when the byte's low seven bits are at least 0x2D.
    let atLeastComma = (word & lowBits) &+ 0x5353_5353_5353_5353
    return ~atLeastComma & ~word & highBits
}

/// Rewrites a quoted field's content in place, turning each `""` into `"`.
func undoubleQuotes(buffer: UnsafeMutablePointer<UInt8>, field: inout CSVField) {
    var read = field.start
    var write = field.start
    let end = field.end
    while read < end {
        let byte = buffer[read]
        buffer[write] = byte
        write += 1
        read += (byte == asciiQuote) ? 2 : 1
    }
    field.end = write
    field.isEscaped = false
}
