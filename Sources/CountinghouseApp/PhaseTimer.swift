// With COUNTINGHOUSE_TIMINGS set, how long each phase of a use case took, on standard error: for the
// person finding out why a nightly run got slow.
import CountinghouseCore
import Foundation

public struct PhaseTimer {
    private var last = PhaseTimer.nanoseconds()
    private let enabled = ProcessInfo.processInfo.environment["COUNTINGHOUSE_TIMINGS"] != nil

    public init() {}

    static func nanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * Instant.nanosecondsPerSecond + Int64(spec.tv_nsec)
    }

    /// The process's resident memory now and at its peak so far (Linux's /proc), for the person
    /// finding out which phase holds the memory.
    static func memory() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "" }
        var now = "", peak = ""
        for line in status.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { now = String(line.filter(\.isNumber)) }
            if line.hasPrefix("VmHWM:") { peak = String(line.filter(\.isNumber)) }
        }
        guard let current = Int(now), let highest = Int(peak) else { return "" }
        return ", RSS \(current / 1024) MiB (peak \(highest / 1024) MiB)"
    }

    public mutating func mark(_ phase: String) {
        let now = Self.nanoseconds()
        // Milliseconds as seconds with three decimals, in integers like every other figure here.
        if enabled {
            FileHandle.standardError.write(
                Data("timing: \(phase) \(formatMinorUnits((now - last) / 1_000_000, exponent: 3)) s\(Self.memory())\n".utf8))
        }
        last = now
    }
}
