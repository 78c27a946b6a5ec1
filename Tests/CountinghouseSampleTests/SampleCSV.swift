// Reading the generator's output back in the tests: a small RFC 4180 reader, columns by name,
// money and instants parsed exactly. Independent of the ingest library on purpose, so these tests
// check the generator against the format, not against another part of Countinghouse.
import CountinghouseCore
import CountinghouseSample

struct SampleRow {
    let folder: String
    let fields: [String: String]
    subscript(_ column: String) -> String { fields[column] ?? "" }
}

/// All rows of one kind over all day folders, in folder order.
func rows(_ kind: LedgerKind, in files: [SampleFile]) -> [SampleRow] {
    var result: [SampleRow] = []
    for file in files where file.relativePath.hasSuffix("/" + kind.rawValue + ".csv") {
        let folder = String(file.relativePath.split(separator: "/").first ?? "")
        let records = parseCSV(String(decoding: file.bytes, as: UTF8.self))
        guard let header = records.first else { continue }
        for record in records.dropFirst() {
            var fields: [String: String] = [:]
            for (index, name) in header.enumerated() where index < record.count { fields[name] = record[index] }
            result.append(SampleRow(folder: folder, fields: fields))
        }
    }
    return result
}

/// All rows of the vendor files whose name starts with `prefix`, in folder order.
func vendorRows(_ prefix: String, in files: [SampleFile]) -> [SampleRow] {
    var result: [SampleRow] = []
    for file in files where file.relativePath.split(separator: "/").last?.hasPrefix(prefix) == true {
        let folder = String(file.relativePath.split(separator: "/").first ?? "")
        let records = parseCSV(String(decoding: file.bytes, as: UTF8.self))
        guard let header = records.first else { continue }
        for record in records.dropFirst() {
            var fields: [String: String] = [:]
            for (index, name) in header.enumerated() where index < record.count { fields[name] = record[index] }
            result.append(SampleRow(folder: folder, fields: fields))
        }
    }
    return result
}

func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var quoted = false
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        index += 1
        if quoted {
            if byte == 0x22 {
                if index < bytes.count && bytes[index] == 0x22 {
                    field.append(0x22)
                    index += 1
                } else {
                    quoted = false
                }
            } else {
                field.append(byte)
            }
        } else if byte == 0x22 {
            quoted = true
        } else if byte == 0x2C {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        } else if byte == 0x0A {
            record.append(String(decoding: field, as: UTF8.self))
            records.append(record)
            record = []
            field.removeAll(keepingCapacity: true)
        } else {
            field.append(byte)
        }
    }
    if !field.isEmpty || !record.isEmpty {
        record.append(String(decoding: field, as: UTF8.self))
        records.append(record)
    }
    return records
}

/// `-12.34` → -1234 (two decimals, as the generator writes USD).
func minorUnits(_ text: String) -> Int64 {
    let negative = text.hasPrefix("-")
    let digits = negative ? String(text.dropFirst()) : text
    let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
    precondition(parts.count == 2 && parts[1].count == 2, "not a two-decimal amount: \(text)")
    let value = Int64(parts[0])! * 100 + Int64(parts[1])!
    return negative ? -value : value
}

/// `YYYY-MM-DDTHH:MM:SS±HH:MM` or `…Z`.
func instant(_ text: String) -> Instant {
    let bytes = Array(text.utf8)
    func number(_ start: Int, _ count: Int) -> Int64 { Int64(String(decoding: bytes[start..<start + count], as: UTF8.self))! }
    let date = CivilDate(year: number(0, 4), month: number(5, 2), day: number(8, 2))!
    let second = number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2)
    var offset: Int64 = 0
    if bytes[19] != UInt8(ascii: "Z") {
        offset = number(20, 2) * 3600 + number(23, 2) * 60
        if bytes[19] == UInt8(ascii: "-") { offset = -offset }
    }
    return Instant(date: date, secondOfDay: second, offsetSeconds: offset)
}
