// The line of every key and table of a TOML document, for the configuration's error messages.
//
// Place in the pipeline: `Configuration.parse` reads the file with TOMLKit (toml++), whose syntax
// errors carry a line but whose values do not (TOMLKit 0.6.0 exposes no source region of a node,
// although toml++ keeps one). A semantic error (an unknown key, a value of the wrong type) must
// still name its line, so this scanner walks the same text once more and records where each key
// path is defined. It runs only on text toml++ has accepted, so it recognises TOML's structure —
// table headers, dotted and quoted keys, the four kinds of string (multi-line ones included),
// arrays and inline tables over several lines, comments — without validating anything: a path it
// cannot find has no line, and the message then names the file alone.

/// One step of a path into a TOML document: a key of a table, or an element of an array (an
/// array of tables is an array whose elements are tables).
public enum TOMLPathComponent: Hashable, Sendable, CustomStringConvertible {
    case key(String)
    case index(Int)

    public var description: String {
        switch self {
        case .key(let key): return key
        case .index(let index): return "[\(index)]"
        }
    }
}

public typealias TOMLPath = [TOMLPathComponent]

/// The 1-based line where each key, table header and array element of a document starts.
struct TOMLKeyLines {
    private(set) var lines: [TOMLPath: Int] = [:]
    /// The paths a `[header]` or `[[header]]` names (each of its dotted parts), as opposed to keys.
    private(set) var headers: Set<TOMLPath> = []

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    /// The table that key/value lines go into: the root, or the last `[header]` / `[[header]]`.
    private var table: TOMLPath = []
    /// How many elements each array of tables (`[[header]]`) has so far, by its resolved path.
    private var arrayLengths: [TOMLPath: Int] = [:]

    init(_ text: String) {
        bytes = Array(text.utf8)
        scanDocument()
    }

    subscript(path: TOMLPath) -> Int? { lines[path] }

    /// Whether a header names the path (it is a table or an array of tables written as such).
    func isHeader(_ path: TOMLPath) -> Bool { headers.contains(path) }

    // MARK: - Statements

    private mutating func scanDocument() {
        while position < bytes.count {
            skipBlanks()
            guard let byte = peek() else { return }
            switch byte {
            case UInt8(ascii: "\n"): advanceLine()
            case UInt8(ascii: "\r"): position += 1
            case UInt8(ascii: "#"): skipComment()
            case UInt8(ascii: "["): scanHeader()
            default: scanKeyValue(in: table)
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: a parent that is an array of tables means its last element.
    private mutating func scanHeader() {
        let headerLine = line
        position += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { position += 1 }
        let keys = scanKeyPath()
        var resolved: TOMLPath = []
        for (index, key) in keys.enumerated() {
            resolved.append(.key(key))
            headers.insert(resolved)
            let isLast = index == keys.count - 1
            if isLast && isArray {
                let length = arrayLengths[resolved, default: 0]
                arrayLengths[resolved] = length + 1
                record(resolved, headerLine)
                resolved.append(.index(length))
            } else if let length = arrayLengths[resolved], length > 0 {
                resolved.append(.index(length - 1))
            }
            record(resolved, headerLine)
        }
        table = resolved
        skipToEndOfLine()
    }

    /// `a.b = value`, at the top level or inside an inline table.
    private mutating func scanKeyValue(in parent: TOMLPath) {
        let keyLine = line
        let keys = scanKeyPath()
        guard !keys.isEmpty else {
            // Not a key (the scanner is lost): give up on this line rather than loop.
            skipToEndOfLine()
            return
        }
        var path = parent
        for key in keys {
            path.append(.key(key))
            record(path, keyLine)
        }
        skipBlanks()
        if peek() == UInt8(ascii: "=") { position += 1 }
        skipBlanks()
        scanValue(at: path)
    }

    // MARK: - Values

    private mutating func scanValue(at path: TOMLPath) {
        guard let byte = peek() else { return }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): _ = scanString()
        case UInt8(ascii: "["): scanArray(at: path)
        case UInt8(ascii: "{"): scanInlineTable(at: path)
        default:
            // A number, boolean or date-time (which may hold a space): up to what ends a value.
            while let next = peek(), !Self.endsScalar(next) { position += 1 }
        }
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
            || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private mutating func scanArray(at path: TOMLPath) {
        position += 1
        var index = 0
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "]"):
                position += 1
                return
            case UInt8(ascii: "\n"): advanceLine()
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): position += 1
            case UInt8(ascii: "#"): skipComment()
            case UInt8(ascii: ","):
                position += 1
                index += 1
            default:
                let element = path + [.index(index)]
                record(element, line)
                let before = position
                scanValue(at: element)
                if position == before { position += 1 }
            }
        }
    }

    private mutating func scanInlineTable(at path: TOMLPath) {
        position += 1
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "}"):
                position += 1
                return
            case UInt8(ascii: "\n"): advanceLine()
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ","): position += 1
            case UInt8(ascii: "#"): skipComment()
            default:
                let before = position
                scanKeyValue(in: path)
                if position == before { position += 1 }
            }
        }
    }

    // MARK: - Keys and strings

    /// Dotted key segments (bare, "basic" or 'literal'), with blanks around the dots.
    private mutating func scanKeyPath() -> [String] {
        var keys: [String] = []
        while true {
            skipBlanks()
            guard let byte = peek() else { return keys }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                keys.append(scanString())
            } else {
                let start = position
                while let next = peek(), Self.isBareKeyByte(next) { position += 1 }
                guard position > start else { return keys }
                keys.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            skipBlanks()
            guard peek() == UInt8(ascii: ".") else { return keys }
            position += 1
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// A string of any of the four kinds, returning its content (escapes in basic strings are
    /// decoded only as far as a key needs: `\"` and `\\`; a key with other escapes is rare and
    /// only loses its line).
    private mutating func scanString() -> String {
        guard let quote = peek() else { return "" }
        let multiLine = position + 2 < bytes.count && bytes[position + 1] == quote && bytes[position + 2] == quote
        position += multiLine ? 3 : 1
        var content: [UInt8] = []
        while let byte = peek() {
            if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                position += 1
                if let escaped = peek() {
                    if escaped == UInt8(ascii: "\n") { advanceLine() } else { position += 1 }
                    content.append(escaped)
                }
                continue
            }
            if byte == quote {
                if !multiLine {
                    position += 1
                    break
                }
                // A multi-line string ends at three quotes; up to two more before them are content.
                var run = 0
                while position + run < bytes.count && bytes[position + run] == quote { run += 1 }
                if run >= 3 {
                    content += Array(repeating: quote, count: run - 3)
                    position += run
                    break
                }
                content += Array(repeating: quote, count: run)
                position += run
                continue
            }
            if byte == UInt8(ascii: "\n") {
                // A single-line string cannot hold a line break: an unclosed one ends here (the
                // TOML parser reports it), and the lines after it keep their numbers.
                if !multiLine { break }
                advanceLine()
                content.append(byte)
                continue
            }
            content.append(byte)
            position += 1
        }
        return String(decoding: content, as: UTF8.self)
    }

    // MARK: - Blanks

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func advanceLine() {
        position += 1
        line += 1
    }

    private mutating func skipBlanks() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func skipComment() {
        while let byte = peek(), byte != UInt8(ascii: "\n") { position += 1 }
    }

    /// What is left of a header's line: its closing brackets, blanks and a comment.
    private mutating func skipToEndOfLine() {
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            // A comment runs to the end of the line, whatever quotes it holds ("the store's code").
            if byte == UInt8(ascii: "#") { return skipComment() }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { _ = scanString() } else { position += 1 }
        }
    }

    /// The first definition of a path wins (a table header, then the keys under it).
    private mutating func record(_ path: TOMLPath, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }
}
