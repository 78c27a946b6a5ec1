// The limits ingest puts on values, so that no row's own arithmetic and no sum of rows can
// overflow and nothing absurd reaches the append-only ledger (where it would stay forever).
// Costing multiplies one row's units by another row's unit cost: the core's `CostBounds` refuses a
// SKU whose run could leave 64 bits, which these limits alone cannot rule out.
//
// Place in the pipeline: the row validator checks every money field, quantity and product against
// these as it parses them; the README's "Limits" states them for users and the other parts of the
// program rely on them (their sums are also checked: an overflow is an error, never a trap).
// Why these numbers: sums are made in Int64 minor units (at most 9.22 × 10^18). A row adds at most
// 2 × 10^12 minor units to any sum (a POS line's collected amount, gross − discount + tax, with
// each at most 10^12), so a million rows at the limits sum to at most 2 × 10^18, under a quarter of
// Int64; real rows sit many orders of magnitude below the limits. (10^13 would allow fewer than a
// million such rows: 10^13 × 10^6 = 10^19 is past Int64.)
// Lengths: a field holds what its column means (an id, a code, a number, a paragraph of free
// text), so a value of megabytes is a mistake (a quote never closed, a paste) that must not be
// stored forever; errors show such a value cut to its first bytes.
// Errors a user can see (worded by the validator): "amount out of range (at most 10000000000.00)",
// "quantity out of range (at most 1000000000)", "quantity × unit_price is out of range (at most
// 10000000000.00)", "too long: 5000 bytes (at most 200)".

public enum IngestLimits {
    /// The largest magnitude of a money field in minor units (10,000,000,000.00 in a currency of two
    /// decimals, 10^12 yen), and of each product of units and a unit amount: quantity × unit_price,
    /// quantity × unit_cost, counted_quantity × unit_cost.
    public static let moneyMinorUnits: Int64 = 1_000_000_000_000
    /// The largest quantity (quantity, counted_quantity, reorder_point, reorder_quantity), in units.
    public static let quantityUnits: Int64 = 1_000_000_000
    /// The most bytes of a trimmed identifier or code (numbers, dates and times fail their own
    /// shapes when longer). Ids and codes of real systems are tens of bytes; 200 leaves room for any
    /// of them. Errors show a longer value by its first 40 bytes.
    public static let valueBytes = 200
    /// The most bytes of free text (name, category, note, supplier, author): a paragraph.
    public static let freeTextBytes = 2_000
}
