// Tests of the two passes over a real file: check (validate and hash), then forEachRow (stream the
// same rows again), and the refusal to load a file that changed between the passes.

import CountinghouseCore
import Crypto
import Foundation
import Testing

@testable import CountinghouseIngest

private func temporaryFile(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("ingest-\(UUID().uuidString).csv").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

private let countsFile = countsHeader + "C1,\(at),S01,A,3,1.25\nC1,\(at),S01,B,0,\n"

@Test func checkThenForEachRowYieldsTheValidatedRows() throws {
    let path = try temporaryFile(countsFile)
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard case .valid(let file) = ingestor.check(path: path, displayName: "counts.csv", kind: nil) else {
        Issue.record("expected a valid file")
        return
    }
    #expect(file.kind == .counts)
    #expect(file.rowCount == 2)
    #expect(file.byteCount == Int64(countsFile.utf8.count))
    #expect(file.sha256 == hexadecimal(SHA256.hash(data: Array(countsFile.utf8))))
    var rows: [LedgerRow] = []
    try ingestor.forEachRow(path: path, displayName: "counts.csv", expected: file) { rows.append($0) }
    #expect(rows.map(\.sourceRow) == [2, 3])
    #expect(rows == (try ingestor.validate(bytes: Array(countsFile.utf8), displayName: "counts.csv", kind: nil).get().1))
}

@Test func checkReportsEveryBadRow() throws {
    let path = try temporaryFile(countsHeader + "C1,\(at),S01,A,-3,\nC1,\(at),S01,B,x,\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard case .invalid(.counts, let errors) = ingestor.check(path: path, displayName: "counts.csv", kind: nil) else {
        Issue.record("expected an invalid counts file")
        return
    }
    #expect(errors.map(\.description) == [
        "counts.csv:2: column counted_quantity \"-3\": must not be negative",
        "counts.csv:3: column counted_quantity \"x\": not a number",
    ])
}

@Test func aFileChangedBetweenThePassesIsRefused() throws {
    let path = try temporaryFile(countsFile)
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard case .valid(let file) = ingestor.check(path: path, displayName: "counts.csv", kind: nil) else {
        Issue.record("expected a valid file")
        return
    }
    let changed = countsFile + "C1,\(at),S01,C,1,\n"
    try Data(changed.utf8).write(to: URL(fileURLWithPath: path))
    let newHash = hexadecimal(SHA256.hash(data: Array(changed.utf8)))
    #expect(throws: IngestFailure.self) {
        try ingestor.forEachRow(path: path, displayName: "counts.csv", expected: file) { _ in }
    }
    do {
        try ingestor.forEachRow(path: path, displayName: "counts.csv", expected: file) { _ in }
    } catch let failure as IngestFailure {
        #expect(failure.description
            == "counts.csv: the file changed between checking and loading (sha256 was \(file.sha256), now \(newHash))")
    }
}

@Test func aRowThatNoLongerValidatesInPassTwoThrows() throws {
    let path = try temporaryFile(countsFile)
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard case .valid(let file) = ingestor.check(path: path, displayName: "counts.csv", kind: nil) else {
        Issue.record("expected a valid file")
        return
    }
    try Data((countsHeader + "C1,\(at),S01,A,-1,\n").utf8).write(to: URL(fileURLWithPath: path))
    var seen = 0
    #expect(throws: IngestFailure(kind: .counts, errors: [
        RowError(file: "counts.csv", row: 2, column: "counted_quantity", value: "-1", reason: "must not be negative")
    ])) {
        try ingestor.forEachRow(path: path, displayName: "counts.csv", expected: file) { _ in seen += 1 }
    }
    #expect(seen == 0)
}

@Test func errorsFromTheBodyPropagate() throws {
    struct StoreFailed: Error, Equatable {}
    let path = try temporaryFile(countsFile)
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard case .valid(let file) = ingestor.check(path: path, displayName: "counts.csv", kind: nil) else {
        Issue.record("expected a valid file")
        return
    }
    #expect(throws: StoreFailed()) {
        try ingestor.forEachRow(path: path, displayName: "counts.csv", expected: file) { _ in throw StoreFailed() }
    }
}
