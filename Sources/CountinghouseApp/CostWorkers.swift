// The cost cache's refresh shared by several processes (`run --workers N`): each SKU's costs
// depend on its own rows only, so the SKUs to reprice are split by a hash of the SKU into N parts,
// each repriced by a worker process of its own, in a transaction of its own, against the one
// PostgreSQL ledger; when all are done, the refresh is finished in one short transaction. The
// cache's bytes are those of one refresh by one process (a test holds them equal).
//
// Place in the pipeline: the nightly run's step 2, in place of the one-process refresh; the worker
// command (`countinghouse cost-worker`, not listed in the help) runs `refreshPart`.
// Errors a user can see: a worker that fails or cannot start fails the refresh with its message
// and exit status (the run's retry policy then applies, as to a one-process refresh); nothing is
// finished, so the next refresh does the whole of it again. On SQLite, which has one writer at a
// time, more than one worker is refused (usage).
import CountinghouseCore
import CountinghouseStore
import Foundation

public enum CostWorkers {
    /// How the run starts a worker: the program and its first arguments (the command adds the rest).
    public struct Launcher: Sendable {
        public var executable: String
        public var arguments: [String]

        public init(executable: String, arguments: [String]) {
            self.executable = executable
            self.arguments = arguments
        }
    }

    /// Brings the cost cache up to date with `workers` processes (one: the ordinary refresh, in this
    /// process).
    static func refresh(
        _ session: Session, workers: Int, launcher: Launcher?, progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> CostCacheRefresh {
        let store = session.store
        guard workers > 1, let launcher else {
            return try store.refreshCostCache(
                rebuild: false, checkpointSpacing: CostReplay.defaultSpacing, lockWait: .upToBusyTimeout, progress: progress)
        }
        guard let plan = try store.costCacheRefreshPlan(rebuild: false) else {
            return try store.refreshCostCache(
                rebuild: false, checkpointSpacing: CostReplay.defaultSpacing, lockWait: .upToBusyTimeout, progress: progress)
        }
        progress?(0, workers)
        var processes: [(part: Int, process: Process, output: Pipe)] = []
        var environment = ProcessInfo.processInfo.environment
        environment["COUNTINGHOUSE_DATABASE"] = session.context.configuration.database
        environment["COUNTINGHOUSE_BUSY_TIMEOUT"] = String(session.context.configuration.busyTimeoutSeconds)
        for part in 0..<workers {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: launcher.executable)
            process.arguments = launcher.arguments + arguments(plan, part: part, of: workers)
            process.environment = environment
            // One pipe for both streams, read to its end: a worker never waits on a full pipe the
            // run is not reading.
            let output = Pipe()
            process.standardError = output
            process.standardOutput = output
            do {
                try process.run()
            } catch {
                for started in processes { started.process.terminate() }
                throw AppFailure(.internalError, "cannot start cost worker \(part + 1) of \(workers) (\(launcher.executable)): \(error)")
            }
            processes.append((part, process, output))
        }
        var failures: [String] = []
        var total = CostCacheRefresh(
            skusRepriced: 0, skusFromCheckpoint: 0, eventsReplayed: 0, throughFileID: plan.lastFile, rebuiltFromNothing: plan.since == nil)
        var done = 0
        for worker in processes {
            let said = String(decoding: worker.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            worker.process.waitUntilExit()
            done += 1
            progress?(done, workers)
            guard worker.process.terminationReason == .exit, worker.process.terminationStatus == 0 else {
                let how = worker.process.terminationReason == .exit
                    ? "exit status \(worker.process.terminationStatus)" : "signal \(worker.process.terminationStatus)"
                let message = said.trimmingCharacters(in: .whitespacesAndNewlines)
                failures.append("cost worker \(worker.part + 1) of \(workers) failed (\(how))\(message.isEmpty ? "" : ": \(message)")")
                continue
            }
            // The worker's last line: SKUs repriced, from a checkpoint, events replayed.
            let last = said.split(separator: "\n").last ?? ""
            let counts = last.split(separator: " ").compactMap { Int($0) }
            if counts.count == 3 {
                total.skusRepriced += counts[0]
                total.skusFromCheckpoint += counts[1]
                total.eventsReplayed += counts[2]
            }
        }
        if !failures.isEmpty {
            // A worker that lost the ledger is the run's retry case, as a one-process refresh would be.
            let unreachable = processes.contains {
                $0.process.terminationReason == .exit && $0.process.terminationStatus == ExitStatus.databaseUnreachable.rawValue
            }
            throw AppFailure(unreachable ? .databaseUnreachable : .internalError, failures.joined(separator: "; "))
        }
        try store.finishCostCacheRefresh(plan)
        return total
    }

    /// The worker command's arguments after the launcher's: the part and the plan.
    static func arguments(_ plan: CostCacheRefreshPlan, part: Int, of parts: Int) -> [String] {
        func file(_ id: Int64?) -> String { id.map(String.init) ?? "none" }
        return [
            "--part", String(part + 1), "--of", String(parts), "--cached-through", file(plan.cachedThrough), "--since", file(plan.since),
            "--through", String(plan.lastFile),
        ]
    }

    /// A worker's job: reprices its part of the plan. `part` counts from 1.
    public static func refreshPart(_ session: Session, plan: CostCacheRefreshPlan, part: Int, of parts: Int) throws -> CostCacheRefresh {
        try session.store.refreshCostCachePart(plan, part: part - 1, of: parts, checkpointSpacing: CostReplay.defaultSpacing)
    }
}
