// Errors about input, collected as values and shown together (beancount's loader does the same).
//
// A `RowError` names the file, the row number (the header is row 1), the column, the value and the
// reason. Ingest collects every one of a file before it rejects the file whole.

public struct RowError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    /// 1 for the header; nil for errors about the file as a whole.
    public let row: Int?
    public let column: String?
    public let value: String?
    public let reason: String

    public init(file: String, row: Int?, column: String? = nil, value: String? = nil, reason: String) {
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
    }

    /// `file:row: column "value": reason`, leaving out what does not apply.
    public var description: String {
        var text = file
        if let row { text += ":\(row)" }
        text += ":"
        if let column {
            text += " column \(column)"
            if let value { text += " \"\(value)\"" }
            text += ":"
        }
        return text + " " + reason
    }
}
