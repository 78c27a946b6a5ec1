import ArgumentParser
import CountinghouseCore
import CountinghouseStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks the ledger's invariants and lists every failure; exits 1 when any fails.",
        discussion: """
            Checks: every ledger table's hash chain (nothing altered behind the program's back); the cost
            cache equals a full rebuild; on-hand units from the engine equal plain signed sums in SQL.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let environment = try CommandEnvironment(global)
        let store = try openLedgerStoreForCommand(environment)
        let report = try LedgerVerifier.verify(store)
        for check in report.checks {
            print("\(check.failures == 0 ? "ok    " : "FAILED") \(check.name)\(check.failures == 0 ? "" : " (\(check.failures))")")
        }
        for finding in report.findings { print("  \(finding)") }
        if !report.passed { throw ExitCode.failure }
    }
}
