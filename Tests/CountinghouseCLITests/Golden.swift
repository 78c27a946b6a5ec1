import Foundation
import Testing

/// Golden files: what users see, pinned byte for byte under `Fixtures/`. A refactor leaves them
/// unchanged; a change of behaviour shows as a diff of these files in review.
///
/// Re-record with `COUNTINGHOUSE_RECORD_GOLDEN=1 swift test --filter Golden`, then read the diff.
enum Golden {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var recording: Bool { ProcessInfo.processInfo.environment["COUNTINGHOUSE_RECORD_GOLDEN"] == "1" }

    /// Compares `actual` with the fixture at `name` (a path under `Fixtures/`), or writes it when
    /// recording.
    static func check(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = fixtures.appendingPathComponent(name)
        if recording {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("no golden file \(name); record it with COUNTINGHOUSE_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected != actual {
            Issue.record(
                "\(name) differs from its golden file:\n\(firstDifference(expected, actual))", sourceLocation: sourceLocation)
        }
    }

    /// Compares every file of a folder the program wrote with the golden folder `name` (same file
    /// names, same bytes), or records it.
    static func checkFolder(_ name: String, _ folder: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let produced = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let goldenFolder = fixtures.appendingPathComponent(name)
        if recording {
            try? FileManager.default.removeItem(at: goldenFolder)
        } else {
            let expected = (try? FileManager.default.contentsOfDirectory(atPath: goldenFolder.path).sorted()) ?? []
            #expect(produced == expected, "the files of \(name)", sourceLocation: sourceLocation)
        }
        for file in produced {
            let url = folder.appendingPathComponent(file)
            // A workbook's bytes are pinned by its sha256 in run.json; its golden file is what a
            // reviewer can read: the sheets in order and how many rows each holds.
            let text = file.hasSuffix(".xlsx") ? try workbookOutline(url) : try String(contentsOf: url, encoding: .utf8)
            try check("\(name)/\(file)", text, sourceLocation: sourceLocation)
        }
    }

    /// An .xlsx file as text: each sheet's name and its rows, in the workbook's order.
    static func workbookOutline(_ url: URL) throws -> String {
        let workbook = try unzipPart("xl/workbook.xml", of: url)
        var outline = ""
        var rest = workbook[...]
        var index = 1
        while let start = rest.range(of: "<sheet name=\"") {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            let sheet = try unzipPart("xl/worksheets/sheet\(index).xml", of: url)
            outline += "\(after[..<end]): \(sheet.components(separatedBy: "<row ").count - 1) rows\n"
            rest = after[end...]
            index += 1
        }
        return outline
    }

    static func unzipPart(_ part: String, of url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        process.arguments = ["-p", url.path, part]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A command's outcome as a golden file shows it: the command line, the exit status, and what
    /// it wrote to standard output and standard error.
    static func transcript(_ arguments: [String], _ result: CLI.Result) -> String {
        "$ countinghouse \(arguments.joined(separator: " "))\n"
            + "exit status \(result.status)\n"
            + "--- standard output\n\(result.output)"
            + "--- standard error\n\(result.error)"
    }

    private static func firstDifference(_ expected: String, _ actual: String) -> String {
        let left = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let right = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? String(left[index]) : "(end of file)"
            let b = index < right.count ? String(right[index]) : "(end of file)"
            if a != b { return "line \(index + 1)\n  golden: \(a)\n  actual: \(b)" }
        }
        return "(only line ends differ)"
    }
}
