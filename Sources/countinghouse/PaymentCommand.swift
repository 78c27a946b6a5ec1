import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct PaymentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment",
        abstract: "Shows one order's money story: its tenders, what settled them, refunds, disputes, payouts.",
        discussion: """
            ORDER_ID is a POS ticket's order_id. Each card tender is shown with the settlement records of its \
            match group and how they matched, then the payment's refunds and disputes and the payouts that \
            paid it out, each with its status and its source file and row, as known at --as-known-at.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var knownAt: KnownAtOption
    @Argument(help: "The order id (pos_tenders' order_id).") var orderID: String

    func run() throws {
        let context = try global.context()
        let knownAt = try knownAt.time(context)
        let session = try Session(context)
        let story = try PaymentJob.story(session, orderID: orderID, knownAt: knownAt)
        print("order \(story.orderID), as known at \(context.describe(knownAt)) (statuses at the end of \(story.asOf))")
        print()
        print(TextTableWriter.render(story.items), terminator: "")
        if !story.payments.isEmpty { print() }
        for line in story.payments { print(line) }
    }
}
