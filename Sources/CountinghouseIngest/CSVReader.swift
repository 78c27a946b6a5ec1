// The CSV reader: RFC 4180 records straight from bytes, through one fixed-size buffer.
//
// Place in the pipeline: the first step of ingest. `CSVReader` pulls bytes from a `ByteSource` (a
// file descriptor or memory) into a buffer of `chunkSize` bytes, hashes them (sha256) as they
// arrive, and hands each record to its caller as field ranges inside that buffer; nothing is copied
// and no `String` is built here. The scanner that finds a record's fields in the buffer, the
// unsafe fast part, is in FastCSVScan.swift. Memory stays flat whatever the file's size: the buffer only grows
// for a single record longer than a chunk, up to `maximumRecordBytes`.
//
// Invariants: record numbers count every record, the header being 1, and a record is one number
// even when a quoted field holds line breaks; blank lines take a number but are skipped; a leading
// UTF-8 byte-order mark is skipped (it is still hashed: the sha256 is of the file's bytes).
// Errors a user can see from here (as row errors, via `CSVProblem`): "quote inside an unquoted
// field", "unexpected character after a closing quote", "quoted field not closed before the end of
// the file", "record longer than N bytes, the most one record may take (is a quote not closed?);
// the rest of the file was not read" (64 MiB by default: far past any real row, whose known fields
// are at most 2,000 bytes each, so in practice only a runaway quote, or a column the program
// ignores holding megabytes, gets there); a failed read(2) is thrown.

import Crypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the reader's bytes come from.
protocol ByteSource {
    /// Fills up to `buffer.count` bytes; 0 means the end of the input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadFailure) -> Int
}

/// A read(2) or open(2) failure, with the system's message.
struct ReadFailure: Error, Hashable, Sendable {
    let message: String
}

/// Reads a file through its descriptor. The caller closes it.
struct FileDescriptorSource: ByteSource {
    let descriptor: Int32

    /// Opens `path` for reading, or fails with the system's message.
    static func open(path: String) throws(ReadFailure) -> FileDescriptorSource {
        let descriptor = path.withCString { systemOpen($0, O_RDONLY | O_CLOEXEC) }
        if descriptor < 0 { throw ReadFailure(message: systemErrorMessage()) }
        return FileDescriptorSource(descriptor: descriptor)
    }

    func close() { _ = systemClose(descriptor) }

    /// The file's size in bytes, or fails with the system's message.
    func size() throws(ReadFailure) -> Int64 {
        var status = stat()
        if fstat(descriptor, &status) != 0 { throw ReadFailure(message: systemErrorMessage()) }
        return Int64(status.st_size)
    }

    /// Moves the next read to `offset` bytes from the start.
    func seek(to offset: Int64) throws(ReadFailure) {
        if lseek(descriptor, off_t(offset), SEEK_SET) < 0 { throw ReadFailure(message: systemErrorMessage()) }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the next read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ReadFailure) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw ReadFailure(message: systemErrorMessage())
        }
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadFailure) -> Int {
        while true {
            let count = systemRead(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw ReadFailure(message: systemErrorMessage())
        }
    }
}

/// Reads bytes already in memory (tests and generated data).
struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadFailure) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        if count > 0 {
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            offset += count
        }
        return count
    }
}

private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 { open(path, flags) }
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
private func systemErrorMessage() -> String { String(cString: strerror(errno)) }

/// One field of a record: a byte range in the reader's buffer, quotes already removed and doubled
/// quotes already undoubled.
struct CSVField {
    var start: Int
    var end: Int
    /// The field was quoted (so an empty quoted field is not a blank line).
    var isQuoted = false
    /// The quoted content still holds doubled quotes (undoubled once the record is complete).
    var isEscaped = false

    init(start: Int, end: Int, isQuoted: Bool = false, isEscaped: Bool = false) {
        self.start = start
        self.end = end
        self.isQuoted = isQuoted
        self.isEscaped = isEscaped
    }
}

/// A malformed record: which field (0-based, when known) and why.
struct CSVProblem: Hashable {
    var fieldIndex: Int?
    var reason: String
}

/// One record, valid only during the call that receives it.
struct CSVRecord {
    /// The start of the reader's buffer; fields are offsets from it.
    let base: UnsafePointer<UInt8>
    let fields: UnsafeBufferPointer<CSVField>
    /// The record number (header = 1).
    let number: Int
    /// Set when the record is malformed; `fields` then holds what was read before the problem.
    let problem: CSVProblem?
    /// Whether any byte of the record is not ASCII or is NUL (so UTF-8 validity, and NUL bytes,
    /// must be checked).
    let hasNonASCII: Bool
    /// Where the next record starts, in bytes from the start of the source.
    var end: Int64 = 0

    var fieldCount: Int { fields.count }

    /// The bytes of field `index`.
    func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let field = fields[index]
        return UnsafeBufferPointer(start: base + field.start, count: field.end - field.start)
    }
}

/// What the reader knows of the bytes it has read.
struct ByteTally {
    var byteCount: Int64 = 0
    var sha256Hex: String = ""
}

/// Streams RFC 4180 records from a byte source.
struct CSVReader<Source: ByteSource> {
    static var defaultChunkSize: Int { 1 << 20 }
    static var defaultMaximumRecordBytes: Int { 64 << 20 }

    private var source: Source
    private let chunkSize: Int
    private let maximumRecordBytes: Int
    /// Where records stop being parsed (bytes from the start of the source): when a record ends
    /// exactly there, the rest is only read and hashed, and `stoppedAtParseLimit` is set. When a
    /// record runs past it, the limit was not a record boundary and is dropped (every record is
    /// then parsed). Two-thread checking puts it where the second thread starts.
    var parseLimit: Int64 = .max
    /// Whether a leading byte-order mark is skipped: not for a source that starts mid-file.
    var skipsByteOrderMark = true
    /// Whether the last `forEachRecord` stopped parsing at `parseLimit`.
    private(set) var stoppedAtParseLimit = false
    /// Records (blank lines included) the last `forEachRecord` parsed: the last record's number.
    private(set) var recordCount = 0

    init(source: Source, chunkSize: Int = defaultChunkSize, maximumRecordBytes: Int = defaultMaximumRecordBytes) {
        precondition(chunkSize >= 4, "a CSV chunk must hold at least a few bytes")
        self.source = source
        self.chunkSize = chunkSize
        self.maximumRecordBytes = max(maximumRecordBytes, chunkSize)
    }

    /// Reads every record, in order, and returns the byte count and sha256 of everything read.
    /// `body` sees each non-blank record; a record too long to buffer ends the reading (reported
    /// to `body` as a problem) since the rest of the file can no longer be framed.
    mutating func forEachRecord(_ body: (CSVRecord) throws -> Void) throws -> ByteTally {
        var capacity = chunkSize
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var fieldList = FieldList()
        defer { fieldList.deallocate() }

        var hasher = SHA256()
        var byteCount: Int64 = 0
        var filled = 0
        var position = 0
        var atEnd = false
        var checkedByteOrderMark = false
        var recordNumber = 0
        stoppedAtParseLimit = false
        recordCount = 0

        while true {
            if !checkedByteOrderMark && (filled >= 3 || atEnd) {
                checkedByteOrderMark = true
                if skipsByteOrderMark && filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
            }
            if position == filled && atEnd { break }
            var outcome = ScanOutcome.incomplete
            if checkedByteOrderMark {
                outcome = scanRecord(
                    buffer: buffer, start: position, filled: filled, atEnd: atEnd,
                    fields: &fieldList)
            }
            switch outcome {
            case .incomplete:
                precondition(!atEnd, "the scanner asked for more bytes after the end of the input")
                if position > 0 {
                    buffer.update(from: buffer + position, count: filled - position)
                    filled -= position
                    position = 0
                }
                if filled == capacity {
                    if capacity >= maximumRecordBytes {
                        recordNumber += 1
                        let problem = CSVProblem(
                            fieldIndex: nil,
                            reason:
                                "record longer than \(maximumRecordBytes) bytes, the most one record may take (is a quote not closed?); the rest of the file was not read"
                        )
                        recordCount = recordNumber
                        try body(
                            CSVRecord(
                                base: buffer, fields: UnsafeBufferPointer(start: fieldList.base, count: 0),
                                number: recordNumber, problem: problem, hasNonASCII: false, end: byteCount))
                        return ByteTally(byteCount: byteCount, sha256Hex: "")
                    }
                    let larger = min(capacity * 2, maximumRecordBytes)
                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
                    grown.update(from: buffer, count: filled)
                    buffer.deallocate()
                    buffer = grown
                    capacity = larger
                }
                let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: capacity - filled))
                if count == 0 {
                    atEnd = true
                } else {
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer + filled, count: count))
                    byteCount += Int64(count)
                    filled += count
                }
            case .complete(let fieldCount, let next, let scanProblem, let hasNonASCII):
                let fields = fieldList.base
                // The problem is in the field being read when it was found.
                let problem = scanProblem.reason.map { CSVProblem(fieldIndex: fieldCount, reason: $0) }
                recordNumber += 1
                recordCount = recordNumber
                position = next
                let end = byteCount - Int64(filled) + Int64(next)
                let blank =
                    problem == nil && fieldCount == 1 && fields[0].start == fields[0].end && !fields[0].isQuoted
                if !blank {
                    for index in 0..<fieldCount where fields[index].isEscaped {
                        undoubleQuotes(buffer: buffer, field: &fields[index])
                    }
                    let record = CSVRecord(
                        base: buffer, fields: UnsafeBufferPointer(start: fields, count: fieldCount),
                        number: recordNumber, problem: problem, hasNonASCII: hasNonASCII, end: end)
                    try body(record)
                }
                if end >= parseLimit {
                    if end > parseLimit {
                        parseLimit = .max
                        continue
                    }
                    // The rest belongs to another parser; it still counts in the file's sha256.
                    stoppedAtParseLimit = true
                    while true {
                        let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: capacity))
                        if count == 0 { break }
                        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count))
                        byteCount += Int64(count)
                    }
                    break
                }
            }
            if stoppedAtParseLimit { break }
        }
        let digest = hasher.finalize()
        return ByteTally(byteCount: byteCount, sha256Hex: hexadecimal(digest))
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Lower-case hexadecimal of a digest.
func hexadecimal<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    var text: [UInt8] = []
    text.reserveCapacity(64)
    for byte in digest {
        text.append(hexDigits[Int(byte >> 4)])
        text.append(hexDigits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
