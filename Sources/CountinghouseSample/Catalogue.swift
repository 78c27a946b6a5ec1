// The sample chain's catalogue: a small shop of coffee, tea, kitchen, snacks, stationery and home
// goods. The first 39 items are written by hand; larger catalogues (for benchmarks) repeat them as
// numbered series with costs varied by the seed. The last SKU is always the seasonal item that is
// launched mid-run (see `SampleChain`'s notable cases).
import CountinghouseCore

struct CatalogueItem {
    let sku: String
    let name: String
    let category: String
    let supplier: String
    /// Standard cost in minor units; the catalogue update on launch day changes a few.
    var standardCostMinor: Int64
    /// Shelf price in minor units (standard cost × 2.2, rounded up to .99).
    let priceMinor: Int64
    /// Relative sales frequency, 1…10 (snacks sell more often).
    let popularity: Int
    /// Units per store at which a store reorders, and how many it orders.
    var reorderPoint: Int
    var reorderQuantity: Int
    /// Snacks are tax-exempt food and delivered by the supplier straight to the stores.
    var isDirectStoreDelivery: Bool { category == "Snacks" }
    var isTaxable: Bool { category != "Snacks" }
}

private struct BaseItem {
    let prefix: String
    let name: String
    let category: String
    let supplier: String
    let costMinor: Int64
}

private let harbor = "Harbor Roasters"
private let leafline = "Leafline Imports"
private let northfield = "Northfield Housewares"
private let crunch = "Crunch & Co."
private let paperworks = "Paperworks Ltd"
private let lumen = "Lumen Home Goods"

private let baseItems: [BaseItem] = [
    BaseItem(prefix: "COF", name: "House Blend Coffee 340g", category: "Coffee", supplier: harbor, costMinor: 650),
    BaseItem(prefix: "COF", name: "Espresso Roast 340g", category: "Coffee", supplier: harbor, costMinor: 720),
    BaseItem(prefix: "COF", name: "Decaf Colombia 340g", category: "Coffee", supplier: harbor, costMinor: 780),
    BaseItem(prefix: "COF", name: "Ethiopia Yirgacheffe 250g", category: "Coffee", supplier: harbor, costMinor: 940),
    BaseItem(prefix: "COF", name: "Cold Brew Pack, 4 x 1L", category: "Coffee", supplier: harbor, costMinor: 520),
    BaseItem(prefix: "COF", name: "Coffee Filters #4 100ct", category: "Coffee", supplier: harbor, costMinor: 180),
    BaseItem(prefix: "COF", name: "Pour-Over Dripper", category: "Coffee", supplier: harbor, costMinor: 1150),
    BaseItem(prefix: "TEA", name: "English Breakfast Tea 50ct", category: "Tea", supplier: leafline, costMinor: 390),
    BaseItem(prefix: "TEA", name: "Green Sencha 100g", category: "Tea", supplier: leafline, costMinor: 610),
    BaseItem(prefix: "TEA", name: "Chamomile Tea 20ct", category: "Tea", supplier: leafline, costMinor: 275),
    BaseItem(prefix: "TEA", name: "Chai Spice Loose Leaf 125g", category: "Tea", supplier: leafline, costMinor: 540),
    BaseItem(prefix: "TEA", name: "Glass Teapot 800ml", category: "Tea", supplier: leafline, costMinor: 1480),
    BaseItem(prefix: "KIT", name: "Ceramic Mug 12oz, White", category: "Kitchen", supplier: northfield, costMinor: 310),
    BaseItem(prefix: "KIT", name: "Travel Tumbler 16oz", category: "Kitchen", supplier: northfield, costMinor: 890),
    BaseItem(prefix: "KIT", name: "French Press 1L", category: "Kitchen", supplier: northfield, costMinor: 1720),
    BaseItem(prefix: "KIT", name: "Manual Burr Grinder", category: "Kitchen", supplier: northfield, costMinor: 2450),
    BaseItem(prefix: "KIT", name: "Milk Frother", category: "Kitchen", supplier: northfield, costMinor: 1290),
    BaseItem(prefix: "KIT", name: "Digital Kitchen Scale", category: "Kitchen", supplier: northfield, costMinor: 1560),
    BaseItem(prefix: "KIT", name: "Stainless Kettle 1.2L", category: "Kitchen", supplier: northfield, costMinor: 2180),
    BaseItem(prefix: "KIT", name: "Measuring Spoons Set", category: "Kitchen", supplier: northfield, costMinor: 240),
    BaseItem(prefix: "SNK", name: "Almond Biscotti 6ct", category: "Snacks", supplier: crunch, costMinor: 260),
    BaseItem(prefix: "SNK", name: "Dark Chocolate Bar 85%", category: "Snacks", supplier: crunch, costMinor: 190),
    BaseItem(prefix: "SNK", name: "Butter Shortbread Tin", category: "Snacks", supplier: crunch, costMinor: 480),
    BaseItem(prefix: "SNK", name: "Salted Caramels 150g", category: "Snacks", supplier: crunch, costMinor: 350),
    BaseItem(prefix: "SNK", name: "Oat Cookies 8ct", category: "Snacks", supplier: crunch, costMinor: 230),
    BaseItem(prefix: "SNK", name: "Trail Mix 200g", category: "Snacks", supplier: crunch, costMinor: 280),
    BaseItem(prefix: "STA", name: "Notebook A5 \"Dotted\"", category: "Stationery", supplier: paperworks, costMinor: 420),
    BaseItem(prefix: "STA", name: "Gel Pen Black 3pk", category: "Stationery", supplier: paperworks, costMinor: 210),
    BaseItem(prefix: "STA", name: "Desk Calendar 2027", category: "Stationery", supplier: paperworks, costMinor: 560),
    BaseItem(prefix: "STA", name: "Greeting Card, Assorted", category: "Stationery", supplier: paperworks, costMinor: 95),
    BaseItem(prefix: "STA", name: "Gift Wrap Roll", category: "Stationery", supplier: paperworks, costMinor: 310),
    BaseItem(prefix: "HOM", name: "Soy Candle Vanilla", category: "Home", supplier: lumen, costMinor: 640),
    BaseItem(prefix: "HOM", name: "Linen Tea Towel", category: "Home", supplier: lumen, costMinor: 370),
    BaseItem(prefix: "HOM", name: "Cork Coasters 4pk", category: "Home", supplier: lumen, costMinor: 260),
    BaseItem(prefix: "HOM", name: "Wool Throw Blanket", category: "Home", supplier: lumen, costMinor: 3150),
    BaseItem(prefix: "HOM", name: "Reed Diffuser Cedar", category: "Home", supplier: lumen, costMinor: 820),
    BaseItem(prefix: "HOM", name: "Table Runner Natural", category: "Home", supplier: lumen, costMinor: 990),
    BaseItem(prefix: "HOM", name: "Hand Cream 75ml", category: "Home", supplier: lumen, costMinor: 450),
    BaseItem(prefix: "HOM", name: "Bamboo Serving Board", category: "Home", supplier: lumen, costMinor: 1380),
]

private let seasonalItem = BaseItem(
    prefix: "HOM", name: "Pumpkin Spice Candle", category: "Home", supplier: lumen, costMinor: 690)

/// The suppliers in a fixed order (documents are written supplier by supplier).
let supplierOrder = [harbor, leafline, northfield, crunch, paperworks, lumen]

/// Builds `skuCount` items; `unitsPerStorePerDayMilli` is the expected daily sales of an item of
/// popularity 1 at one store, in thousandths of a unit, which sizes the reorder points.
func makeCatalogue(skuCount: Int, unitsPerStorePerDayMilli: Int, random: inout SplitMix64) -> [CatalogueItem] {
    precondition(skuCount >= 2, "the catalogue needs at least one regular and the seasonal item")
    var items: [CatalogueItem] = []
    items.reserveCapacity(skuCount)
    for index in 0..<skuCount {
        let isSeasonal = index == skuCount - 1
        let base = isSeasonal ? seasonalItem : baseItems[index % baseItems.count]
        let series = isSeasonal ? 0 : index / baseItems.count
        let name = series == 0 ? base.name : base.name + " (series \(series + 1))"
        var cost = base.costMinor
        if series > 0 { cost = roundHalfAwayFromZero(Int128(cost) * Int128(random.between(85, 115)), 100) }
        let popularity = base.category == "Snacks" ? random.between(5, 10) : random.between(1, 8)
        let daily = unitsPerStorePerDayMilli * popularity
        // About five days of sales on the shelf before reordering, and ten days' worth per order.
        let reorderPoint = (daily * 5 + 999) / 1000 + 2
        let reorderQuantity = (daily * 10 + 999) / 1000 + 6
        items.append(
            CatalogueItem(
                sku: base.prefix + "-" + String(1001 + index), name: name, category: base.category,
                supplier: base.supplier, standardCostMinor: cost, priceMinor: shelfPrice(cost: cost),
                popularity: popularity, reorderPoint: reorderPoint, reorderQuantity: reorderQuantity))
    }
    return items
}

/// Standard cost × 2.2, rounded up to the next whole unit less one cent (14.30 → 14.99).
private func shelfPrice(cost: Int64) -> Int64 {
    let target = cost * 22 / 10
    return (target / 100 + 1) * 100 - 1
}
