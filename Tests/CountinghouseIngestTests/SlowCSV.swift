// The slow, obviously correct RFC 4180 parser the CSV reader's fast scanner is checked against:
// by FastCSVScanTests.swift on generated files, and by the fuzz harness (Sources/countinghouse-fuzz,
// which links this file) on whatever libFuzzer makes. Standard library only, so both can build it.

/// A character-by-character RFC 4180 parser over the whole input, with the reader's conventions:
/// a leading byte-order mark is skipped; a line end is LF, CRLF, or a CR at the very end of the
/// input (a lone CR elsewhere is data); a line with one empty unquoted field is blank (it takes a
/// number but is not a record); after a problem the rest of the line up to the next LF is skipped.
enum SlowCSV {
    struct Record: Equatable, CustomStringConvertible {
        var number: Int
        var fields: [[UInt8]]
        var problem: String?
        /// The field (0-based) the problem was found in.
        var problemField: Int?
        /// Whether a byte of the record is not ASCII or is NUL; only compared for records without a
        /// problem.
        var hasNonASCII: Bool
        /// Where the next record starts, in bytes from the start of the input.
        var end: Int

        var description: String {
            "#\(number) \(fields.map { String(decoding: $0, as: UTF8.self).debugDescription }) \(problem ?? "") @\(problemField.map(String.init) ?? "-") end \(end)"
        }
    }

    static func records(_ input: [UInt8], skipsByteOrderMark: Bool = true) -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lineFeed = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var index = 0
        if skipsByteOrderMark && input.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var records: [Record] = []
        var number = 0
        while index < input.count {
            number += 1
            let recordStart = index
            var fields: [[UInt8]] = []
            var firstFieldQuoted = false
            var problem: String?
            /// Skips past the next line feed, or to the end.
            func skipLine() {
                while index < input.count && input[index] != lineFeed { index += 1 }
                if index < input.count { index += 1 }
            }
            fieldLoop: while true {
                var field: [UInt8] = []
                if index < input.count && input[index] == quote {
                    if fields.isEmpty { firstFieldQuoted = true }
                    index += 1
                    var closed = false
                    while index < input.count {
                        if input[index] == quote {
                            if index + 1 < input.count && input[index + 1] == quote {
                                field.append(quote)
                                index += 2
                                continue
                            }
                            closed = true
                            index += 1
                            break
                        }
                        field.append(input[index])
                        index += 1
                    }
                    if !closed {
                        problem = "quoted field not closed before the end of the file"
                        break fieldLoop
                    }
                    if index == input.count {
                        fields.append(field)
                        break fieldLoop
                    }
                    let after = input[index]
                    if after == comma {
                        fields.append(field)
                        index += 1
                        continue fieldLoop
                    }
                    if after == lineFeed {
                        fields.append(field)
                        index += 1
                        break fieldLoop
                    }
                    if after == carriageReturn && (index + 1 == input.count || input[index + 1] == lineFeed) {
                        fields.append(field)
                        index += index + 1 == input.count ? 1 : 2
                        break fieldLoop
                    }
                    problem = "unexpected character after a closing quote"
                    skipLine()
                    break fieldLoop
                }
                while true {
                    if index == input.count {
                        fields.append(field)
                        break fieldLoop
                    }
                    let byte = input[index]
                    if byte == comma {
                        fields.append(field)
                        index += 1
                        continue fieldLoop
                    }
                    if byte == lineFeed {
                        fields.append(field)
                        index += 1
                        break fieldLoop
                    }
                    if byte == carriageReturn && (index + 1 == input.count || input[index + 1] == lineFeed) {
                        fields.append(field)
                        index += index + 1 == input.count ? 1 : 2
                        break fieldLoop
                    }
                    if byte == quote {
                        problem = "quote inside an unquoted field"
                        skipLine()
                        break fieldLoop
                    }
                    field.append(byte)
                    index += 1
                }
            }
            let blank = problem == nil && fields.count == 1 && fields[0].isEmpty && !firstFieldQuoted
            if !blank {
                records.append(
                    Record(
                        number: number, fields: fields, problem: problem, problemField: problem == nil ? nil : fields.count,
                        hasNonASCII: input[recordStart..<index].contains { $0 >= 0x80 || $0 == 0 }, end: index))
            }
        }
        return records
    }
}
