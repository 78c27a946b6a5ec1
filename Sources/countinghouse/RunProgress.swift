// How `run` shows its progress: a bar per long step on a terminal, one timestamped log line per
// step otherwise (a scheduler's log has no use for bars). Both on standard error; standard output
// keeps the run's summary.
import CountinghouseApp
import Foundation
import Logging

/// A progress bar on standard error, redrawn in place.
final class TerminalProgress: RunObserver {
    private var step = ""
    private var total: Int64?
    private var unit = ""
    private var shownPercent = -1

    func began(_ step: String, total: Int64?, unit: String) {
        self.step = step
        self.total = total
        self.unit = unit
        shownPercent = -1
        draw(done: 0)
    }

    func advanced(to done: Int64) { draw(done: done) }

    func ended(_ summary: String) { write("\r\u{1B}[K\(step): \(summary)\n") }

    func note(_ line: String) { write("\r\u{1B}[K\(line)\n") }

    private func draw(done: Int64) {
        guard let total, total > 0 else {
            write("\r\u{1B}[K\(step) …")
            return
        }
        let percent = Int(min(max(done * 100 / total, 0), 100))
        guard percent != shownPercent else { return }
        shownPercent = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let amounts = unit == "bytes" ? "\(size(done)) of \(size(total))" : "\(done) of \(total) \(unit)"
        write("\r\u{1B}[K\(step) [\(bar)] \(percent)% (\(amounts))")
    }

    private func size(_ bytes: Int64) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        return String(format: "%.1f kB", Double(bytes) / 1024)
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// One timestamped line per step (swift-log's stream handler on standard error).
final class LogLines: RunObserver {
    private var logger = Logger(label: "countinghouse.run") { StreamLogHandler.standardError(label: $0) }
    private var step = ""
    private var started = Date()

    func began(_ step: String, total: Int64?, unit: String) {
        self.step = step
        started = Date()
    }

    func advanced(to done: Int64) {}

    func ended(_ summary: String) {
        logger.info("\(step): \(summary) (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
    }

    func note(_ line: String) { logger.notice("\(line)") }
}
