import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import Foundation

struct CloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Closes a period: posts its journal, trial balance and valuation as known now.",
        discussion: """
            Periods close in order, once each, and only after they have ended. A closed period never changes: \
            what is learnt about it later is posted in the first open period as prior-period adjustments.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The month to close, e.g. 2026-10.") var period: String
    @Option(help: "Also write the closed period's report folder (its posted files, drift.csv, report.xlsx, run.json) to OUTBOX/PERIOD/.")
    var outbox: String?

    func validate() throws { _ = try month() }

    func month() throws -> Period {
        guard let month = Period(period) else { throw ValidationError("--period \(period): expected a month YYYY-MM, e.g. 2026-10") }
        return month
    }

    func run() throws {
        let context = try global.context()
        let session = try Session(context)
        let month = try month()
        // Not while a nightly run is under way (and no run starts meanwhile).
        print(try RunJob.holdingRunLock(session) { try CloseJob.close(session, period: month) }.summary(context: context))
        if let outbox {
            // The period as closed (posted figures, byte for byte), as known now.
            let folder = (outbox as NSString).appendingPathComponent(month.description)
            let report = try ReportJob.make(session, span: month.span, knownAt: context.knownNow)
            try ReportJob.write(report, to: folder, context: context)
            print(report.summary(folder: folder, context: context))
        }
    }
}
