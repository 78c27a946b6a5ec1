// Ingest throughput of both stores (STYLE: benchmarks print figures, never fail on time). Runs only
// when COUNTINGHOUSE_STORE_BENCH holds a row count, e.g.
// `COUNTINGHOUSE_STORE_BENCH=200000 scripts/pgtest.sh run -- swift test -c release --filter StoreBenchmarks`.
import CountinghouseCore
import Foundation
import Testing

import CountinghouseStore

@Suite("StoreBenchmarks")
struct StoreBenchmarks {
    static let rowCount = Int(ProcessInfo.processInfo.environment["COUNTINGHOUSE_STORE_BENCH"] ?? "") ?? 0

    @Test(.enabled(if: rowCount > 0), arguments: StoreFlavor.all)
    func ingestThroughput(_ flavor: StoreFlavor) throws {
        let rows = (0..<Self.rowCount).map { index in
            posLine("ORDER-\(index / 4)", Int64(index % 4 + 1), row: index + 2, price: Int64(100 + index % 977),
                    occurredDay: Int64(index % 30))
        }
        try withStore(flavor) { store, _ in
            try store.migrate()
            let clock = ContinuousClock()
            let first = try clock.measure { try append(store, fileInfo("bench.csv", at: 1), rows) }
            let again = try clock.measure { try append(store, fileInfo("bench-resent.csv", at: 2), rows) }
            let verify = try clock.measure { _ = try store.verifyHashChains() }
            func perSecond(_ duration: Duration) -> Int {
                let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                return Int(Double(rows.count) / seconds)
            }
            print("bench \(flavor.rawValue): \(rows.count) rows; first ingest \(first) (\(perSecond(first)) rows/s); "
                + "all duplicates \(again) (\(perSecond(again)) rows/s); verify \(verify)")
        }
    }
}
