// Writing generated files to disk: the only part of the sample library that touches the file
// system. Errors a user can see: `WriteError`, naming the path and the operating system's reason.
import CountinghouseCore
import Foundation

public enum SampleFileWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes every day folder under `directory` (created if needed). With `replacingDays`, day
    /// folders already there (names `YYYY-MM-DD`) are removed first, so a smaller run leaves none
    /// behind; other files are left alone. Returns the number of files and bytes written.
    @discardableResult
    public static func writeDailyFolders(
        _ parameters: SampleChain.Parameters, to directory: String, replacingDays: Bool = false
    ) throws -> (files: Int, bytes: Int) {
        let manager = FileManager.default
        try createDirectory(directory)
        if replacingDays {
            let names: [String]
            do {
                names = try manager.contentsOfDirectory(atPath: directory).sorted()
            } catch {
                throw WriteError(path: directory, reason: "cannot list the folder (\(reason(error)))")
            }
            for name in names where isDayFolderName(name) {
                do {
                    try manager.removeItem(atPath: directory + "/" + name)
                } catch {
                    throw WriteError(path: directory + "/" + name, reason: "cannot remove the day folder (\(reason(error)))")
                }
            }
        }
        var count = 0
        var bytes = 0
        try SampleChain.generate(parameters) { file in
            let path = directory + "/" + file.relativePath
            if let slash = path.lastIndex(of: "/") { try createDirectory(String(path[..<slash])) }
            try write(file.bytes, to: path)
            count += 1
            bytes += file.bytes.count
        }
        return (count, bytes)
    }

    /// Writes one file of `kind` with `rows` data rows (see `SampleChain.bulkRows`), streaming.
    /// Returns the bytes written.
    @discardableResult
    public static func writeBulkFile(
        kind: LedgerKind, rows: Int, parameters: SampleChain.Parameters = .standard, to path: String
    ) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw WriteError(path: path, reason: "cannot create the file")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw WriteError(path: path, reason: "cannot open the file for writing")
        }
        defer { try? handle.close() }
        var written = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4 << 20)
        try SampleChain.bulkRows(kind: kind, rows: rows, parameters: parameters) { chunk in
            buffer.append(contentsOf: chunk)
            if buffer.count >= 4 << 20 {
                try handle.write(contentsOf: Data(buffer))
                written += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(buffer))
        written += buffer.count
        return written
    }

    /// `YYYY-MM-DD`.
    public static func isDayFolderName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
        return bytes.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || (0x30...0x39).contains($0.element) }
    }

    private static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: path, reason: "cannot create the directory (\(reason(error)))")
        }
    }

    /// The operating system's words for a file-system error ("Not a directory"), not Foundation's
    /// "The operation could not be completed".
    private static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return error.localizedDescription
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw WriteError(path: path, reason: "cannot write the file")
        }
    }
}
