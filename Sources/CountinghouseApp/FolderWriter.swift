// Writing an output folder so that no half-written folder is ever visible: the files are written
// into a temporary folder beside the target, then swapped into its place in one step, and the old
// folder goes whole (no stale file of an earlier run survives).
//
// The swap is Linux's renameat2(RENAME_EXCHANGE), atomic: at every instant the target is either
// the old folder or the new one. Where the kernel or file system cannot exchange (ENOSYS, EINVAL),
// the old folder is renamed aside first (the target is then briefly absent, never partial); any
// other failure leaves the old folder as it was. The files are fsync'd before the swap, so a power
// cut leaves the old folder or the whole new one. What a writer killed mid-way left beside the
// folder (its dotted temporary folder, staged workbook) goes when the folder is next written: the
// process id in each such name says whether its writer is gone. A folder that holds anything Countinghouse does
// not write is refused rather than replaced: `--out ~/Documents` must not delete a person's
// documents.
// Errors a user can see: the folder cannot be created or written (exit status `cannotWrite`); the
// target holds other files (`rejected`).
import CountinghouseReport
import CountinghouseStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

public enum FolderWriter {
    /// The names of files Countinghouse writes into output folders: only a folder holding nothing
    /// else may be replaced.
    public static let ownFileNames: Set<String> = [
        "journal.csv", "trial_balance.csv", "valuation.csv", "cogs.csv", "drift.csv", "journal.ledger", "run.json",
        "report.xlsx", "reconciliation.csv", "rollforward.csv", "payments.csv",
    ]

    /// Replaces `folder` (created when missing) with exactly `files` and the files `moving` names
    /// (already written beside the folder, e.g. the workbook: they are moved in, not copied, and
    /// removed whatever happens), in one step.
    public static func replace(
        _ folder: String, with files: [(name: String, content: String)], moving written: [(name: String, path: String)] = []
    ) throws(AppFailure) {
        let manager = FileManager.default
        defer { for file in written { try? manager.removeItem(atPath: file.path) } }
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let exists = try checkReplaceable(folder)
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw AppFailure(.cannotWrite, "\(parent.path): cannot create the folder: \(reason(error))")
        }
        removeLeftovers(beside: target)
        let temporary = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
            for file in files {
                try Data(file.content.utf8).write(to: temporary.appendingPathComponent(file.name))
            }
            for file in written {
                guard rename(file.path, temporary.appendingPathComponent(file.name).path) == 0 else {
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
            }
            // On disk before the swap: after a power cut the folder is the old one or the whole
            // new one, never new names with empty files.
            for name in files.map(\.name) + written.map(\.name) { try sync(temporary.appendingPathComponent(name).path) }
            try sync(temporary.path)
        } catch {
            try? manager.removeItem(at: temporary)
            throw AppFailure(.cannotWrite, "\(folder): cannot write the report: \(reason(error))")
        }
        try swap(temporary, into: folder, replacing: exists)
    }

    /// Writes each file beside `folder` (at a `stagingPath`) in pieces, so that no long file is ever
    /// whole in memory, for `replace(_:with:moving:)` to move in; returns where each went and the
    /// sha256 of its bytes. On an error nothing staged is left.
    public static func stage(_ files: [ReportFile], beside folder: String) throws(AppFailure) -> [(name: String, path: String, sha256: String)] {
        var staged: [(name: String, path: String, sha256: String)] = []
        do throws(AppFailure) {
            for file in files {
                let path = try stagingPath(for: folder, name: file.name)
                do {
                    staged.append((file.name, path, try writeFileHashing(at: path) { emit in try file.write(to: emit) }))
                } catch {
                    unlink(path)
                    throw AppFailure(.cannotWrite, "\(folder): cannot write the report: \(reason(error))")
                }
            }
        } catch {
            for earlier in staged { unlink(earlier.path) }
            throw error
        }
        return staged
    }

    /// Replaces `folder` with a tree already built in `prepared` (a folder `temporaryFolder(beside:)`
    /// made), in one step; an existing folder may hold only `allowing` names. `prepared` is gone
    /// afterwards, whatever happens.
    public static func replace(_ folder: String, withPrepared prepared: URL, allowing names: Set<String>) throws(AppFailure) {
        let manager = FileManager.default
        let exists: Bool
        do {
            exists = try checkReplaceable(folder, allowing: names)
        } catch {
            try? manager.removeItem(at: prepared)
            throw error
        }
        do {
            for name in try manager.contentsOfDirectory(atPath: prepared.path) {
                try syncTree(prepared.appendingPathComponent(name))
            }
            try sync(prepared.path)
        } catch {
            try? manager.removeItem(at: prepared)
            throw AppFailure(.cannotWrite, "\(folder): cannot write: \(reason(error))")
        }
        try swap(prepared, into: folder, replacing: exists)
    }

    /// A fresh, empty folder beside `folder` (its parent created) to build a tree in for
    /// `replace(_:withPrepared:allowing:)`; dotted, so listings do not show it.
    public static func temporaryFolder(beside folder: String) throws(AppFailure) -> URL {
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            removeLeftovers(beside: target)
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw AppFailure(.cannotWrite, "\(parent.path): cannot create the folder: \(reason(error))")
        }
        return temporary
    }

    /// Removes what writers of `target` killed mid-way left beside it: `.NAME.partial-PID-N` and
    /// `.NAME.old-PID-N` folders, staged files `.NAME.report.xlsx-PID-N` (`.NAME.cogs.csv-PID-N`,
    /// …) and the workbook writer's `..NAME.report.xlsx-PID-N.partial` and `.sheets` — only those whose process is
    /// gone (a writer still at work keeps its files).
    static func removeLeftovers(beside target: URL) {
        let manager = FileManager.default
        let parent = target.deletingLastPathComponent()
        let name = NSRegularExpression.escapedPattern(for: target.lastPathComponent)
        guard let pattern = try? NSRegularExpression(pattern: #"^\.\.?"# + name + #"\.(?:partial|old|[a-z_]+\.(?:xlsx|csv|ledger))-(\d+)-\d+(?:\.partial|\.sheets)?$"#)
        else { return }
        for entry in (try? manager.contentsOfDirectory(atPath: parent.path)) ?? [] where entry.hasPrefix(".") {
            let range = NSRange(entry.startIndex..., in: entry)
            guard let match = pattern.firstMatch(in: entry, range: range), let digits = Range(match.range(at: 1), in: entry),
                let pid = pid_t(entry[digits]), pid != getpid()
            else { continue }
            // Gone: no process has the id (one that has it now but is not ours keeps the files).
            if kill(pid, 0) != 0 && errno == ESRCH { try? manager.removeItem(at: parent.appendingPathComponent(entry)) }
        }
    }

    /// fsync(2) of every file and folder under `url`, then of `url`.
    private static func syncTree(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) { try syncTree(url.appendingPathComponent(name)) }
        }
        try sync(url.path)
    }

    /// Puts the folder `temporary` (synced) in the place of `folder`: a rename when there is none,
    /// else an exchange (or, where the file system cannot exchange, the old one moved aside first).
    /// `temporary` is gone afterwards, whatever happens.
    private static func swap(_ temporary: URL, into folder: String, replacing exists: Bool) throws(AppFailure) {
        let manager = FileManager.default
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        guard exists else {
            guard rename(temporary.path, target.path) == 0 else {
                let message = String(cString: strerror(errno))
                try? manager.removeItem(at: temporary)
                throw AppFailure(.cannotWrite, "\(folder): cannot move the report into place: \(message)")
            }
            try? sync(parent.path)
            return
        }
        switch exchange(temporary.path, target.path) {
        case .exchanged:
            // `temporary` now holds the old folder.
            try? sync(parent.path)
            try? manager.removeItem(at: temporary)
            return
        case .failed(let code):
            try? manager.removeItem(at: temporary)
            throw AppFailure(.cannotWrite, "\(folder): cannot replace the earlier report: \(String(cString: strerror(code)))")
        case .unsupported:
            break
        }
        let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard rename(target.path, old.path) == 0 else {
            let message = String(cString: strerror(errno))
            try? manager.removeItem(at: temporary)
            throw AppFailure(.cannotWrite, "\(folder): cannot replace the earlier report: \(message)")
        }
        guard rename(temporary.path, target.path) == 0 else {
            let message = String(cString: strerror(errno))
            _ = rename(old.path, target.path)
            try? manager.removeItem(at: temporary)
            throw AppFailure(.cannotWrite, "\(folder): cannot move the report into place: \(message)")
        }
        try? sync(parent.path)
        try? manager.removeItem(at: old)
    }

    /// Whether `folder` exists (false: it will be created); refused when it is not a folder or holds
    /// anything Countinghouse does not write. `replace` checks it first; a caller that writes a
    /// large file before replacing (the workbook) checks it before that too.
    @discardableResult
    public static func checkReplaceable(_ folder: String, allowing names: Set<String> = ownFileNames) throws(AppFailure) -> Bool {
        let manager = FileManager.default
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else { throw AppFailure.rejected("\(folder) exists and is not a folder") }
        let present: [String]
        do {
            present = try manager.contentsOfDirectory(atPath: target.path)
        } catch {
            throw AppFailure(.cannotWrite, "\(folder): cannot read the folder: \(reason(error))")
        }
        let foreign = present.filter { !names.contains($0) }.sorted()
        if !foreign.isEmpty {
            throw AppFailure.rejected(
                "\(folder) holds files Countinghouse does not write (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", …" : "")): "
                    + "choose an empty or new folder, or one an earlier report wrote")
        }
        return true
    }

    /// Where to write a file that `replace` will move into `folder`: beside the folder (so the
    /// move is a rename on the same file system), dotted and unique, its parent created.
    public static func stagingPath(for folder: String, name: String) throws(AppFailure) -> String {
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw AppFailure(.cannotWrite, "\(parent.path): cannot create the folder: \(reason(error))")
        }
        removeLeftovers(beside: target)
        return parent.appendingPathComponent(".\(target.lastPathComponent).\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    }

    /// fsync(2) of a file or folder.
    private static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    private static func reason(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let cocoa = error as? CocoaError, let underlying = cocoa.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return "\(error.localizedDescription)"
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// renameat2(2) with RENAME_EXCHANGE, looked up at run time (the C library's headers do not
    /// declare it to Swift): nil where the C library lacks it.
    private static let renameAt2: RenameAt2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    private enum Exchange {
        case exchanged
        /// The kernel, the C library or the file system cannot exchange (ENOSYS, EINVAL).
        case unsupported
        /// Anything else (no permission, a folder busy): the earlier report stays as it is.
        case failed(Int32)
    }

    /// Swaps two paths in one step.
    private static func exchange(_ a: String, _ b: String) -> Exchange {
        guard let renameAt2 else { return .unsupported }
        let renameExchange: UInt32 = 1 << 1
        if renameAt2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0 { return .exchanged }
        let code = errno
        return code == ENOSYS || code == EINVAL ? .unsupported : .failed(code)
    }
}
