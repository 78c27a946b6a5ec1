// Listings as data: a table of typed cells, and the three ways the CLI prints one.
//
// Place in the pipeline: commands build a `Table` (columns and rows of cells); a writer renders it
// as an aligned text table for a terminal, RFC 4180 CSV, or JSON for scripts. Rendering is pure
// and deterministic: the same table gives the same bytes.

public enum Cell: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    /// Minor units with the currency's exponent, rendered as a plain decimal (`-1234.50`).
    case money(Int64, exponent: Int)
    case empty

    var rendered: String {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .money(let amount, let exponent): return formatMinorUnits(amount, exponent: exponent)
        case .empty: return ""
        }
    }

    var isNumeric: Bool {
        switch self {
        case .integer, .money: return true
        case .text, .empty: return false
        }
    }
}

public struct Table: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "a table row must have one cell per column")
        rows.append(row)
    }

    public enum Format: String, CaseIterable, Sendable {
        case table, csv, json
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .table: return renderAligned()
        case .csv: return renderCSV()
        case .json: return renderJSON()
        }
    }

    /// Columns padded to their widest cell; numbers right-aligned.
    public func renderAligned() -> String {
        let texts = rows.map { $0.map(\.rendered) }
        var widths = columns.map(\.count)
        for row in texts {
            for (index, text) in row.enumerated() { widths[index] = max(widths[index], text.count) }
        }
        func line(_ cells: [String], numeric: [Bool]) -> String {
            var parts: [String] = []
            for (index, text) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - text.count)
                parts.append(numeric[index] ? padding + text : text + padding)
            }
            var joined = parts.joined(separator: "  ")
            while joined.hasSuffix(" ") { joined.removeLast() }
            return joined + "\n"
        }
        let numericColumns = columns.indices.map { index in
            !rows.isEmpty && rows.allSatisfy { $0[index].isNumeric || $0[index] == .empty }
        }
        var output = line(columns, numeric: numericColumns)
        output += line(widths.map { String(repeating: "-", count: $0) }, numeric: numericColumns)
        for row in texts { output += line(row, numeric: numericColumns) }
        return output
    }

    public func renderCSV() -> String {
        var output = columns.map(Table.csvField).joined(separator: ",") + "\n"
        for row in rows { output += row.map { Table.csvField($0.rendered) }.joined(separator: ",") + "\n" }
        return output
    }

    /// An array of objects, keys in column order; numbers as JSON numbers except money, which is a
    /// decimal string so no reader turns it into binary floating point.
    public func renderJSON() -> String {
        var output = "["
        for (rowIndex, row) in rows.enumerated() {
            output += rowIndex == 0 ? "\n  {" : ",\n  {"
            for (index, cell) in row.enumerated() {
                if index > 0 { output += ", " }
                output += Table.jsonString(columns[index]) + ": "
                switch cell {
                case .integer(let value): output += String(value)
                case .empty: output += "null"
                case .text, .money: output += Table.jsonString(cell.rendered)
                }
            }
            output += "}"
        }
        return output + (rows.isEmpty ? "]\n" : "\n]\n")
    }

    static func csvField(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"" }
            quoted.append(character)
        }
        return quoted + "\""
    }

    public static func jsonString(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}
