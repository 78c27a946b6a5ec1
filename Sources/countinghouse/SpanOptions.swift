import ArgumentParser
import CountinghouseCore

/// `--period 2026-11 | --date D | --from D --to D`: the span a report covers.
struct SpanOptions: ParsableArguments {
    @Option(help: "A calendar month, e.g. 2026-11.") var period: String?
    @Option(help: "One day, e.g. 2026-11-05.") var date: String?
    @Option(help: "The first day of a range (with --to).") var from: String?
    @Option(help: "The last day of a range (with --from).") var to: String?

    func validate() throws { _ = try span() }

    func span() throws -> ReportSpan {
        func day(_ text: String, _ option: String) throws -> CivilDate {
            guard let date = CivilDate(text: text) else {
                throw ValidationError("\(option) \(text): expected a date YYYY-MM-DD")
            }
            return date
        }
        switch (period, date, from, to) {
        case (let period?, nil, nil, nil):
            guard let span = ReportSpan.period(period) else {
                throw ValidationError("--period \(period): expected a month YYYY-MM, e.g. 2026-11")
            }
            return span
        case (nil, let date?, nil, nil):
            let day = try day(date, "--date")
            return ReportSpan(firstDay: day, lastDay: day)!
        case (nil, nil, let from?, let to?):
            guard let span = ReportSpan(firstDay: try day(from, "--from"), lastDay: try day(to, "--to")) else {
                throw ValidationError("--from \(from) is after --to \(to)")
            }
            return span
        default:
            throw ValidationError("name the span with exactly one of --period P, --date D, or --from D --to D")
        }
    }
}
