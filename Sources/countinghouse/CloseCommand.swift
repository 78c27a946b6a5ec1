import ArgumentParser
import CountinghouseApp
import CountinghouseCore

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

    func validate() throws { _ = try month() }

    func month() throws -> Period {
        guard let month = Period(period) else { throw ValidationError("--period \(period): expected a month YYYY-MM, e.g. 2026-10") }
        return month
    }

    func run() throws {
        let context = try global.context()
        let session = try Session(context)
        print(try CloseJob.close(session, period: try month()).summary(context: context))
    }
}
