// The vendor readers' settings: `[stripe]`, `[adyen]` and `[square]` in `countinghouse.toml`
// (FORMATS §3.0, "Configuration").
//
// Place in the pipeline: `Configuration.parse` checks these tables against `VendorConfiguration`'s
// schema and calls `apply`; the CLI hands the result to ingest (`IngestSettings.vendors`), where
// the Stripe, Adyen and Square readers map vendor rows onto canonical ones with it.
// Invariants: a processor name is a lower-case code without `:` (the journal's entry ids use `:`
// between their parts); an offset is `±HH:MM` within ±18:00; a location code is not IN_TRANSIT.
// Errors a user can see (each naming the file, the line and the key): "processor_name in [stripe]
// must not be empty or contain ':'", "order_metadata_key in [stripe] must not be empty",
// "processor_name_by_merchant_account in [adyen]: \"X\" must name a processor (not empty, no ':')",
// "time_zone_abbreviations in [adyen]: \"IST\" = \"+5:30\" is not an offset like \"+05:30\"",
// "location_map in [square]: \"Main St\" = \"IN_TRANSIT\": the location code IN_TRANSIT is
// reserved" (or "… must name a location code" when empty), "currency_symbol in [square] must not be
// empty", and a value that is not a quoted string in one of the tables of names (ConfigurationDocument).

public struct VendorConfiguration: Sendable, Hashable {
    /// `stripe.processor_name`: the settlements' processor code.
    public var stripeProcessorName = "stripe"
    /// `stripe.order_metadata_key`: the `payment_metadata[<key>]` column that holds the order id.
    public var stripeOrderMetadataKey = "order_id"
    /// `adyen.processor_name_by_merchant_account`: merchant account → processor code (others:
    /// `adyen`).
    public var adyenProcessorNameByMerchantAccount: [String: String] = [:]
    /// `adyen.time_zone_abbreviations`: abbreviation (upper case) → offset in seconds, added to or
    /// overriding FORMATS §3.2's table.
    public var adyenTimeZoneAbbreviations: [String: Int] = [:]
    /// `square.location_map`: Square `Location` → store code (others: written as is).
    public var squareLocationMap: [String: String] = [:]
    /// `square.currency_symbol`; nil: `$` when the functional currency is USD.
    public var squareCurrencySymbol: String?

    public init() {}

    /// The processor code for an Adyen merchant account.
    public func adyenProcessorName(merchantAccount: String) -> String {
        adyenProcessorNameByMerchantAccount[merchantAccount] ?? "adyen"
    }

    /// The tables `countinghouse.toml` may hold for the vendor readers.
    static let schemaTables: [String: ConfigurationSchema] = [
        "stripe": ConfigurationSchema(keys: [.init("processor_name", .string), .init("order_metadata_key", .string)]),
        "adyen": ConfigurationSchema(
            keys: [], maps: ["processor_name_by_merchant_account": .string, "time_zone_abbreviations": .string],
            order: []),
        "square": ConfigurationSchema(keys: [.init("currency_symbol", .string)], maps: ["location_map": .string], order: []),
    ]
    static let schemaOrder = ["stripe", "adyen", "square"]

    /// Reads the vendor tables of a checked document.
    mutating func apply(_ root: ConfigurationTable) throws(ConfigurationError) {
        if let stripe = root.tables["stripe"] {
            if let name = stripe.string("processor_name") {
                guard Self.isProcessorCode(name) else {
                    throw stripe.error(at: "processor_name", "processor_name in [stripe] must not be empty or contain ':'")
                }
                stripeProcessorName = name.lowercased()
            }
            if let key = stripe.string("order_metadata_key") {
                guard !key.isEmpty else {
                    throw stripe.error(at: "order_metadata_key", "order_metadata_key in [stripe] must not be empty")
                }
                stripeOrderMetadataKey = key
            }
        }
        if let adyen = root.tables["adyen"] {
            for entry in adyen.maps["processor_name_by_merchant_account"] ?? [] {
                guard case .string(let name) = entry.value, Self.isProcessorCode(name) else {
                    throw adyen.error(
                        line: entry.line,
                        "processor_name_by_merchant_account in [adyen]: \"\(entry.key)\" must name a processor (not empty, no ':')")
                }
                adyenProcessorNameByMerchantAccount[entry.key] = name.lowercased()
            }
            for entry in adyen.maps["time_zone_abbreviations"] ?? [] {
                guard case .string(let text) = entry.value, let seconds = Self.offsetSeconds(text) else {
                    throw adyen.error(
                        line: entry.line,
                        "time_zone_abbreviations in [adyen]: \"\(entry.key)\" = \(entry.value.shown) is not an offset like \"+05:30\"")
                }
                adyenTimeZoneAbbreviations[entry.key.uppercased()] = seconds
            }
        }
        if let square = root.tables["square"] {
            for entry in square.maps["location_map"] ?? [] {
                guard case .string(let code) = entry.value, !code.isEmpty else {
                    throw square.error(line: entry.line, "location_map in [square]: \"\(entry.key)\" must name a location code")
                }
                if code == inTransitLocation {
                    throw square.error(
                        line: entry.line,
                        "location_map in [square]: \"\(entry.key)\" = \"\(code)\": the location code IN_TRANSIT is reserved")
                }
                squareLocationMap[entry.key] = code
            }
            if let symbol = square.string("currency_symbol") {
                guard !symbol.isEmpty else {
                    throw square.error(at: "currency_symbol", "currency_symbol in [square] must not be empty")
                }
                squareCurrencySymbol = symbol
            }
        }
    }

    private static func isProcessorCode(_ name: String) -> Bool { !name.isEmpty && !name.contains(":") }

    /// `+05:30` → 19800 seconds; nil unless `±HH:MM` with HH ≤ 18 and MM < 60.
    public static func offsetSeconds(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":")
        else { return nil }
        let digits = [bytes[1], bytes[2], bytes[4], bytes[5]].map { Int($0) - Int(UInt8(ascii: "0")) }
        guard digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        let hours = digits[0] * 10 + digits[1]
        let minutes = digits[2] * 10 + digits[3]
        guard hours <= 18, minutes < 60 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -seconds : seconds
    }
}

extension ConfigurationValue {
    /// The value as the file wrote it, near enough for a message.
    var shown: String {
        switch self {
        case .string(let text): return "\"\(text)\""
        case .integer(let number): return "\(number)"
        case .boolean(let flag): return "\(flag)"
        }
    }
}
