// Tests of the pure field parsers: money, whole numbers, line numbers, timestamps, dates, currency.

import CountinghouseCore
import Testing

@testable import CountinghouseIngest

/// Money as the validator parses it, with the words a row error would carry (before the validator
/// replaces "amount out of range" with the money limit).
private func money(_ text: String, _ exponent: Int = 2, _ currency: String = "USD") -> Result<Int64, FieldProblem> {
    text.withBytes { bytes in
        parseMinorUnits(bytes, exponent: exponent).mapError { $0.fieldProblem(currency: currency, exponent: exponent) }
    }
}
private func whole(_ text: String) -> Result<Int64, FieldProblem> { text.withBytes(parseWholeNumber) }
private func line(_ text: String) -> Result<Int64, FieldProblem> { text.withBytes(parseLineNumber) }
private func instant(_ text: String) -> Result<Instant, FieldProblem> { text.withBytes(parseInstant) }
private func date(_ text: String) -> Result<CivilDate, FieldProblem> { text.withBytes(parseDate) }
private func failure<T>(_ reason: String) -> Result<T, FieldProblem> { .failure(FieldProblem(reason)) }

@Test func moneyToMinorUnits() {
    #expect(money("12.50") == .success(1250))
    #expect(money("-3") == .success(-300))
    #expect(money("0.07") == .success(7))
    #expect(money("12.5") == .success(1250))
    #expect(money("-0") == .success(0))
    #expect(money("1500", 0, "JPY") == .success(1500))
    #expect(money("1.234", 3, "KWD") == .success(1234))
    #expect(money("92233720368547758.07") == .success(Int64.max))
}

@Test func moneyProblems() {
    #expect(money("12.505") == failure("too many decimals for USD (at most 2)"))
    #expect(money("12.00", 0, "JPY") == failure("too many decimals for JPY (at most 0)"))
    for text in ["abc", "1,5", "+1", "1.", ".5", "-", "1e3", "$5", "1 000", "--1"] {
        #expect(money(text) == failure("not a number"), "\(text)")
    }
    #expect(money("92233720368547758.08") == failure("amount out of range"))
    #expect(money("99999999999999999999999") == failure("amount out of range"))
}

@Test func wholeNumbers() {
    #expect(whole("42") == .success(42))
    #expect(whole("-3") == .success(-3))
    #expect(whole("007") == .success(7))
    #expect(whole("1.5") == failure("fraction in a quantity"))
    #expect(whole("2.0") == failure("fraction in a quantity"))
    #expect(whole("2.") == failure("not a number"))
    #expect(whole("two") == failure("not a number"))
    #expect(whole("99999999999999999999") == failure("number out of range"))
}

@Test func lineNumbers() {
    #expect(line("1") == .success(1))
    #expect(line("120") == .success(120))
    for text in ["0", "01", "-1", "1.0", "+1", "a", "1 2", "1234567890123456789"] {
        #expect(line(text) == failure("not a positive integer without leading zeros"), "\(text)")
    }
}

@Test func timestampsWithOffsets() {
    let base = Instant(date: CivilDate(year: 2026, month: 11, day: 22)!, secondOfDay: 7 * 3600 + 3 * 60 + 11)
    #expect(instant("2026-11-22T14:03:11+07:00") == .success(base))
    #expect(instant("2026-11-22T14:03:11+0700") == .success(base))
    #expect(instant("2026-11-22 07:03:11Z") == .success(base))
    #expect(instant("2026-11-22T02:03:11-05:00") == .success(base))
    #expect(
        instant("2026-11-22T07:03:11.5Z")
            == .success(Instant(nanosecondsSinceEpoch: base.nanosecondsSinceEpoch + 500_000_000)))
    #expect(
        instant("2026-11-22T07:03:11.000000001Z")
            == .success(Instant(nanosecondsSinceEpoch: base.nanosecondsSinceEpoch + 1)))
}

@Test func timestampProblems() {
    let shape = "not a timestamp (expected YYYY-MM-DDTHH:MM:SS±HH:MM)"
    #expect(instant("2026-11-22T14:03:11") == failure("timestamp without offset"))
    #expect(instant("2026-11-22T14:03:11.25") == failure("timestamp without offset"))
    #expect(instant("2026-02-30T10:00:00Z") == failure("impossible date"))
    #expect(instant("2026-13-01T10:00:00Z") == failure("impossible date"))
    #expect(instant("2026-11-22T25:00:00Z") == failure("impossible time"))
    #expect(instant("2026-11-22T10:60:00Z") == failure("impossible time"))
    #expect(instant("2026-11-22T10:00:00+24:00") == failure("impossible offset"))
    #expect(instant("2026-11-22T10:00:00.1234567891Z") == failure("more than 9 decimals of a second"))
    #expect(instant("1600-01-01T00:00:00Z") == failure("timestamp out of range"))
    for text in ["2026-11-22", "22/11/2026 10:00", "2026-11-22T10:00Z", "2026-11-22T10:00:00+7", "2026-11-22T10:00:00.Z",
        "2026-11-22T10:00:00Zx", "2026-11-22T10:00:00 UTC"]
    {
        #expect(instant(text) == failure(shape), "\(text)")
    }
}

@Test func dates() {
    #expect(date("2024-02-29") == .success(CivilDate(year: 2024, month: 2, day: 29)!))
    #expect(date("2026-02-29") == failure("impossible date"))
    #expect(date("2026-2-1") == failure("not a date (expected YYYY-MM-DD)"))
    #expect(date("2026-02-01T00:00:00Z") == failure("not a date (expected YYYY-MM-DD)"))
}

@Test func currencies() {
    func currency(_ text: String) -> Result<String, FieldProblem> {
        text.withBytes { parseCurrency($0, functionalCurrency: "USD") }
    }
    #expect(currency("USD") == .success("USD"))
    #expect(currency("usd") == .success("USD"))
    #expect(currency("EUR") == failure("foreign currency EUR (the ledger's currency is USD)"))
    #expect(currency("XYZ") == failure("unknown currency"))
}

@Test func trimmingRemovesSpacesAndTabsOnly() {
    #expect(" \tA B \t".withBytes { String(decoding: trimmed($0), as: UTF8.self) } == "A B")
    #expect("   ".withBytes { trimmed($0).count } == 0)
}

/// The validator reuses the previous timestamp's day number when the date bytes repeat: through one
/// memo, a run of timestamps must read exactly as each does alone.
@Test func timestampsReadThroughOneDateMemoReadAsAlone() {
    let texts = [
        "2026-11-22T14:03:11+07:00", "2026-11-22T23:59:59Z", "2026-11-22T24:00:00Z", "2026-11-22 01:02:03.5-0130",
        "2026-11-22T01:02:03", "2026-11-22X01:02:03Z", "2026-11-23T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-23T00:00:00.123456789+00:00", "2026-11-23", "2026-11-23T00:00:00+25:00",
        "1999-12-31T23:59:59-12:00", "1999-12-31T23:59:59-12:00", "2026-11-22T14:03:11+07:00",
    ]
    var memo = DatePrefixMemo()
    for text in texts {
        let alone = instant(text)
        let throughMemo = text.withBytes { parseInstant($0, memo: &memo) }
        #expect(throughMemo == alone, "\(text)")
    }
}

/// The money parser's shortcut for `digits.dd` must agree with its general path: the same amounts,
/// and every text just outside the shortcut's shape worded as before.
@Test func moneyOfTheUsualShapeAndItsNeighbours() {
    #expect(money("9.99") == .success(999))
    #expect(money("09.99") == .success(999))
    #expect(money("0.00") == .success(0))
    #expect(money("1234567890123.45") == .success(123_456_789_012_345))
    #expect(money("12345678901234.56") == .success(1_234_567_890_123_456))
    #expect(money("-9.99") == .success(-999))
    #expect(money("9.9") == .success(990))
    #expect(money("9.999") == failure("too many decimals for USD (at most 2)"))
    #expect(money("9.9x") == failure("not a number"))
    #expect(money("x.99") == failure("not a number"))
    #expect(money("9,99") == failure("not a number"))
    #expect(money(".99") == failure("not a number"))
    #expect(money("+9.99") == failure("not a number"))
    #expect(money("1.234", 3, "BHD") == .success(1234))
    #expect(money("1.23", 3, "BHD") == .success(1230))
    #expect(money("12", 0, "JPY") == .success(12))
    #expect(money("1.2", 0, "JPY") == failure("too many decimals for JPY (at most 0)"))
}
