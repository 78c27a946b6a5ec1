import ArgumentParser
import CountinghouseApp

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks the ledger's and the books' invariants and lists every failure; exits 1 when any fails.",
        discussion: """
            Checks: every ledger table's hash chain (nothing altered behind the program's back); the cost cache \
            equals a full rebuild; on-hand units from the engine equal plain signed sums in SQL; every journal \
            entry balances and the trial balance sums to zero; the inventory account per location equals the \
            valuation, in transit likewise; value conservation of the cost runs; every closed period's posted \
            journal and files equal a recomputation as known at its close.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Rebuild the cost cache from the ledger first (it is only a cache; use after a failed cache check).")
    var rebuildCache = false

    func run() throws {
        let session = try Session(try global.context())
        let outcome = try VerifyJob.verify(session, rebuildCache: rebuildCache)
        for line in outcome.lines { print(line) }
        if !outcome.passed { throw ExitCode(ExitStatus.rejected.rawValue) }
    }
}
