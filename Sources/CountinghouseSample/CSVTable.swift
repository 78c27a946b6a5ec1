// Rows of one canonical CSV kind, built as bytes.
//
// Writes RFC 4180: a field is quoted only when it holds a comma, a quote or a line break, and a
// quote inside is doubled. Money is written from integer minor units by the core's
// `formatMinorUnits`; nothing here sees a floating-point number.
import CountinghouseCore

struct CSVTable {
    let kind: LedgerKind
    /// A vendor file's own header (Stripe, Adyen, Square layouts), else nil: the kind's.
    let vendorColumns: [String]?
    private(set) var bytes: [UInt8] = []
    private(set) var rowCount = 0
    private var atRowStart = true

    init(kind: LedgerKind) {
        self.kind = kind
        vendorColumns = nil
    }

    /// A table in a vendor's layout; `kind` is what the file gives once read (FORMATS §3).
    init(vendorColumns: [String], kind: LedgerKind) {
        self.kind = kind
        self.vendorColumns = vendorColumns
    }

    /// The header row of the kind, as the generator writes it.
    static func header(of kind: LedgerKind) -> String {
        SampleChain.columns(of: kind).joined(separator: ",") + "\n"
    }

    var isEmpty: Bool { rowCount == 0 }

    mutating func text(_ value: String) {
        separate()
        var needsQuotes = false
        for byte in value.utf8 where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        if needsQuotes {
            bytes.append(0x22)
            for byte in value.utf8 {
                if byte == 0x22 { bytes.append(0x22) }
                bytes.append(byte)
            }
            bytes.append(0x22)
        } else {
            bytes.append(contentsOf: value.utf8)
        }
    }

    mutating func integer(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Minor units of the functional currency (two decimals).
    mutating func money(_ minorUnits: Int64) {
        separate()
        bytes.append(contentsOf: formatMinorUnits(minorUnits, exponent: 2).utf8)
    }

    mutating func empty() { separate() }

    mutating func endRow() {
        bytes.append(0x0A)
        rowCount += 1
        atRowStart = true
    }

    /// Appends another table's rows (same kind and layout) after these.
    mutating func append(_ other: CSVTable) {
        precondition(
            other.kind == kind && other.vendorColumns == vendorColumns && other.atRowStart,
            "appending rows of another kind or a half row")
        bytes.append(contentsOf: other.bytes)
        rowCount += other.rowCount
    }

    /// The whole file: header, then the rows.
    func fileBytes() -> [UInt8] {
        var file = Array((vendorColumns.map { $0.joined(separator: ",") + "\n" } ?? CSVTable.header(of: kind)).utf8)
        file.append(contentsOf: bytes)
        return file
    }

    /// Hands out the rows written so far and starts empty again (for streaming big files).
    mutating func drain() -> [UInt8] {
        precondition(atRowStart, "draining half a row")
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    private mutating func separate() {
        if atRowStart { atRowStart = false } else { bytes.append(0x2C) }
    }
}
