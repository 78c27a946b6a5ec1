import Foundation
import Testing

/// Runs the built `countinghouse` executable the way a user or the nightly job would, in a
/// working directory of its own that goes when the test is done with it.
final class CLI {
    let directory: URL
    var environment: [String: String]

    /// Every path under a folder (files and folders, relative to it), sorted; none for a missing folder.
    static func listing(_ folder: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).sorted()
    }

    /// `files`, `stock` and `verify`, the outbox byte for byte, and the inbox of this working
    /// directory are those of `reference` (a run killed and run again against an uninterrupted one).
    func expectSameLedgerOutboxAndInbox(as reference: CLI, now: String, _ label: String) throws {
        for arguments in [["files", "--format", "csv"], ["stock", "--format", "csv"], ["verify"]] {
            #expect(try run(arguments, now: now).output == reference.run(arguments, now: now).output, "\(label): \(arguments)")
        }
        let wantOutbox = reference.directory.appendingPathComponent("outbox")
        let gotOutbox = directory.appendingPathComponent("outbox")
        #expect(try Self.listing(gotOutbox) == Self.listing(wantOutbox), "\(label)")
        for path in try Self.listing(wantOutbox) where path.contains(".") {
            #expect(
                try Data(contentsOf: gotOutbox.appendingPathComponent(path)) == Data(contentsOf: wantOutbox.appendingPathComponent(path)),
                "\(label): \(path)")
        }
        #expect(
            try Self.listing(directory.appendingPathComponent("inbox")) == Self.listing(reference.directory.appendingPathComponent("inbox")),
            "\(label)")
    }

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// A fresh working directory with a SQLite ledger in it, or — with `postgres` — a fresh
    /// PostgreSQL database on the server the test run started; the ledger is created with `init`
    /// (as a new user or the nightly job does) unless `initialised` is false.
    init(postgres: Bool = false, initialised: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["COUNTINGHOUSE_DATABASE"] = directory.appendingPathComponent("ledger.sqlite").path
        environment.removeValue(forKey: "COUNTINGHOUSE_NOW")
        environment.removeValue(forKey: "COUNTINGHOUSE_CONFIG")
        if postgres, let url = TestDatabase.postgresURL {
            environment["COUNTINGHOUSE_DATABASE"] = try TestDatabase.createFreshDatabase(adminURL: url)
        }
        self.environment = environment
        if initialised {
            let created = try run(["init"])
            guard created.status == 0 else { throw CLIError(message: "countinghouse init failed: \(created.error)") }
        }
    }

    struct CLIError: Error {
        var message: String
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    static var executable: URL {
        // The test bundle sits in the build products folder next to the executable.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("countinghouse").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("countinghouse")
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func run(_ arguments: [String], now: String? = nil) throws -> Result {
        try run(executable: CLI.executable, arguments, now: now)
    }

    /// Runs an executable (the CLI, or one of the jobs' scripts) in the working directory, with
    /// this CLI's environment plus `now` and `extra` variables.
    func run(executable: URL, _ arguments: [String], now: String? = nil, extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = self.environment.merging(extra) { _, new in new }
        if let now { environment["COUNTINGHOUSE_NOW"] = now }
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self))
    }
}

enum TestDatabase {
    static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["COUNTINGHOUSE_TEST_POSTGRES"]
        return url?.isEmpty == false ? url : nil
    }

    /// Creates an empty database on the test server with `psql` and returns its URL.
    static func createFreshDatabase(adminURL: String) throws -> String {
        let name = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", adminURL, "-c", "CREATE DATABASE \(name)"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        // Replace the database name in the URL's path (postgresql://user@/dbname?host=…).
        guard var components = URLComponents(string: adminURL) else { throw CocoaError(.fileReadInvalidFileName) }
        components.path = "/" + name
        return components.string ?? adminURL
    }
}

/// The stores every CLI test runs on: SQLite always, PostgreSQL when the test run has a server.
let storeKinds: [Bool] = TestDatabase.postgresURL == nil ? [false] : [false, true]
