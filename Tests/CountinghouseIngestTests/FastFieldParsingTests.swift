// The fast field parsers (FastFieldParsing.swift) against slow, obviously correct versions
// (SlowFields.swift) written with String splitting and overflow-checked Int arithmetic: the same
// value or the same problem for generated money (every currency exponent, amounts near the Int64 limits), whole numbers, line
// numbers, dates and timestamps (offsets, fractions, impossible values, broken shapes), the
// timestamps read alone and through one date memo.

import CountinghouseCore
import Testing

@testable import CountinghouseIngest

private func fastMoney(_ text: String, _ exponent: Int) -> Result<Int64, MoneyProblem> {
    text.withBytes { parseMinorUnits($0, exponent: exponent) }
}

private func digitString(_ random: inout SeededGenerator, count: Int) -> String {
    String((0..<count).map { _ in Character(String(random.below(10))) })
}

/// Money texts: every shape the parser distinguishes, lengths around its 15- and 18-digit bounds,
/// and the amounts next to Int64's limits.
private func generatedMoney(_ random: inout SeededGenerator, exponent: Int) -> String {
    var text = ""
    switch random.below(10) {
    case 0:
        // Near the limits: Int64.max and its neighbours, written in major units.
        let limit = UInt64(Int64.max) - UInt64(random.below(3)) + UInt64(random.below(3))
        let digits = String(limit)
        let cut = max(1, digits.count - exponent)
        text = exponent == 0 ? digits : String(digits.prefix(cut)) + "." + String(digits.dropFirst(cut))
        if random.percent(30) { text = "-" + text }
        if random.percent(30) { text = "9" + text.filter { $0 != "-" } }
    case 1:
        text = random.pick(["", "-", ".", "-.", "+1", "1.", ".5", "1..2", "1.2.3", "--1", "1e3", "1,5", "٣", "12 ", " 1", "0x10", "1_000"])
    default:
        let wholeDigits = random.pick([0, 1, 1, 2, 3, 5, 8, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24])
        text = digitString(&random, count: wholeDigits)
        if random.percent(80) {
            let decimals = random.pick([0, 1, exponent, exponent, exponent, exponent + 1, 4, 19])
            text += "." + digitString(&random, count: decimals)
        }
        if random.percent(20) { text = "-" + text }
        if random.percent(5) { text = "0000" + text }
        if random.percent(5), !text.isEmpty {
            var characters = Array(text)
            characters[random.below(characters.count)] = random.pick(["x", ".", "-", " ", "é", "+"])
            text = String(characters)
        }
    }
    return text
}

@Test func moneyParsesLikeTheSlowVersion() {
    #expect(SlowFields.minorUnits("92233720368547758.07", exponent: 2) == .success(.max))
    #expect(SlowFields.minorUnits("92233720368547758.08", exponent: 2) == .failure(.outOfRange))
    #expect(SlowFields.minorUnits("1.5", exponent: 0) == .failure(.tooManyDecimals))
    var random = SeededGenerator(seed: 0x5EED_0001)
    var shapes: [String: Int] = [:]
    for _ in 0..<60_000 {
        let exponent = random.pick([0, 2, 2, 2, 3, 4])
        let text = generatedMoney(&random, exponent: exponent)
        let slow = SlowFields.minorUnits(text, exponent: exponent)
        #expect(fastMoney(text, exponent) == slow, "\(text.debugDescription) with \(exponent) decimals")
        switch slow {
        case .success: shapes["value", default: 0] += 1
        case .failure(let problem): shapes["\(problem)", default: 0] += 1
        }
    }
    // Every outcome was generated often.
    #expect(shapes.count == 4 && shapes.values.allSatisfy { $0 > 500 }, "\(shapes)")
}

@Test func wholeAndLineNumbersParseLikeTheSlowVersions() {
    var random = SeededGenerator(seed: 0x5EED_0002)
    for _ in 0..<40_000 {
        var text = digitString(&random, count: random.pick([0, 1, 2, 3, 9, 17, 18, 19, 20]))
        switch random.below(8) {
        case 0: text = "-" + text
        case 1: text = "+" + text
        case 2: text += "." + digitString(&random, count: random.below(3))
        case 3: text = random.pick(["0", "00", "01", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1.5.1", "+-1", "1 ", "x"])
        default: break
        }
        #expect(text.withBytes(parseWholeNumber) == SlowFields.wholeNumber(text), "\(text.debugDescription)")
        #expect(text.withBytes(parseLineNumber) == SlowFields.lineNumber(text), "\(text.debugDescription)")
    }
}

/// Timestamp texts: valid ones across the years an instant can hold and past them, every separator,
/// fraction and zone spelling, impossible dates, times and offsets, and texts broken at a random
/// place.
private func generatedTimestamp(_ random: inout SeededGenerator) -> String {
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let year = random.pick([1970, 2026, 2026, 2026, 1999, 2000, 2100, 1677, 1678, 2261, 2262, 2263, 1600, 9999, 0, 1900, 2024])
    let month = random.percent(95) ? 1 + random.below(12) : random.pick([0, 13, 99])
    let day = random.percent(90) ? 1 + random.below(28) : random.pick([0, 29, 30, 31, 32])
    let hour = random.percent(95) ? random.below(24) : random.pick([24, 99])
    let minute = random.percent(97) ? random.below(60) : 60
    let second = random.percent(97) ? random.below(60) : random.pick([60, 99])
    let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
    var text = "\(yearText)-\(two(month))-\(two(day))"
    text += random.pick(["T", "T", "T", " ", "t", "X"])
    text += "\(two(hour)):\(two(minute)):\(two(second))"
    if random.percent(40) {
        text += random.pick([".", ".", ","]) + digitString(&random, count: random.pick([0, 1, 3, 6, 9, 9, 10, 12]))
    }
    switch random.below(10) {
    case 0: text += "Z"
    case 1: text += "z"
    case 2: break
    case 3: text += random.pick(["UTC", "Zx", "+7", "+07:0", "+07:000", "+0:700", "+07-00", "+ab:cd", " +07:00"])
    case 4: text += random.pick(["+", "-"]) + two(random.pick([0, 5, 14, 23, 24, 99])) + two(random.pick([0, 30, 45, 59, 60]))
    default: text += random.pick(["+", "-"]) + two(random.below(15)) + ":" + two(random.pick([0, 0, 30, 45, 60]))
    }
    if random.percent(5) {
        var characters = Array(text)
        if characters.count > 0 {
            if random.percent(50) {
                characters.removeLast(random.below(characters.count))
            } else {
                characters[random.below(characters.count)] = random.pick(["x", "-", ":", "1", "é", " "])
            }
        }
        text = String(characters)
    }
    return text
}

@Test func timestampsParseLikeTheSlowVersionAloneAndThroughOneMemo() {
    #expect(SlowFields.instant("1970-01-01T00:00:00Z") == .success(0))
    #expect(SlowFields.instant("2026-11-22T14:03:11+07:00") == .success(1_795_330_991_000_000_000))
    var random = SeededGenerator(seed: 0x5EED_0003)
    var memo = DatePrefixMemo()
    var outcomes: [String: Int] = [:]
    var previous = "2026-01-01T00:00:00Z"
    for _ in 0..<15_000 {
        // Runs of one day, as in a file, so the memo is used; and now and then a day just changed.
        var text = random.percent(50) ? generatedTimestamp(&random) : previous
        if random.percent(30) && text.utf8.count >= 19 {
            text = String(text.prefix(11)) + String(generatedTimestamp(&random).dropFirst(11))
        }
        previous = text
        let slow = SlowFields.instant(text)
        let alone = text.withBytes(parseInstant).map(\.nanosecondsSinceEpoch)
        let throughMemo = text.withBytes { parseInstant($0, memo: &memo) }.map(\.nanosecondsSinceEpoch)
        #expect(alone == slow, "\(text.debugDescription)")
        #expect(throughMemo == slow, "\(text.debugDescription) through the memo")
        switch slow {
        case .success: outcomes["value", default: 0] += 1
        case .failure(let problem): outcomes[problem.reason, default: 0] += 1
        }
    }
    // Every outcome was generated.
    #expect(outcomes.count == 8 && outcomes.values.allSatisfy { $0 > 20 }, "\(outcomes)")
}

@Test func datesParseLikeTheSlowVersion() {
    var random = SeededGenerator(seed: 0x5EED_0004)
    for _ in 0..<20_000 {
        let text = String(generatedTimestamp(&random).prefix(random.percent(90) ? 10 : random.below(14)))
        #expect(text.withBytes(parseDate).map(\.daysSinceEpoch) == SlowFields.date(text), "\(text.debugDescription)")
    }
}
