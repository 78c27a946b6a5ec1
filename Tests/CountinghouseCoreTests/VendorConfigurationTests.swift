// The vendor readers' settings in countinghouse.toml (FORMATS §3.0): every key read, the tables of
// names (merchant account → processor, abbreviation → offset, Square location → store code), and
// every bad value named by file, line and key.

import Testing

@testable import CountinghouseCore

@Suite struct VendorConfigurationTests {
    @Test func readsEveryVendorSetting() throws {
        let configuration = try Configuration.parse(
            """
            currency = "USD"

            [stripe]
            processor_name = "Stripe_US"
            order_metadata_key = "OrderRef"

            [adyen]
            processor_name_by_merchant_account = { "AcmeEU" = "adyen_eu", "Acme.US" = "adyen" }

            [adyen.time_zone_abbreviations]
            IST = "+05:30"
            cst = "-06:00"

            [square]
            currency_symbol = "US$"

            [square.location_map]
            "Main Street" = "S01"
            "Airport Kiosk" = "S02"
            """, fileName: "c.toml")
        let vendors = configuration.vendors
        #expect(vendors.stripeProcessorName == "stripe_us")
        #expect(vendors.stripeOrderMetadataKey == "OrderRef")
        #expect(vendors.adyenProcessorNameByMerchantAccount == ["AcmeEU": "adyen_eu", "Acme.US": "adyen"])
        #expect(vendors.adyenProcessorName(merchantAccount: "Other") == "adyen")
        #expect(vendors.adyenTimeZoneAbbreviations == ["IST": 19_800, "CST": -21_600])
        #expect(vendors.squareCurrencySymbol == "US$")
        #expect(vendors.squareLocationMap == ["Main Street": "S01", "Airport Kiosk": "S02"])
    }

    @Test func withoutVendorTablesTheDefaultsHold() throws {
        let vendors = try Configuration.parse("currency = \"USD\"", fileName: "c.toml").vendors
        #expect(vendors == VendorConfiguration())
        #expect(vendors.stripeProcessorName == "stripe")
        #expect(vendors.stripeOrderMetadataKey == "order_id")
        #expect(vendors.squareCurrencySymbol == nil)
    }

    @Test(arguments: [
        ("[stripe]\nprocessor_name = \"\"", "c.toml:2: processor_name in [stripe] must not be empty or contain ':'"),
        ("[stripe]\nprocessor_name = \"a:b\"", "c.toml:2: processor_name in [stripe] must not be empty or contain ':'"),
        ("[stripe]\norder_metadata_key = \"\"", "c.toml:2: order_metadata_key in [stripe] must not be empty"),
        ("[stripe]\nprocessor = \"x\"", "c.toml:2: unknown key processor in [stripe] (expected processor_name, order_metadata_key)"),
        ("[adyen]\n\n[adyen.processor_name_by_merchant_account]\nAcme = \"\"",
         "c.toml:4: processor_name_by_merchant_account in [adyen]: \"Acme\" must name a processor (not empty, no ':')"),
        ("[adyen.processor_name_by_merchant_account]\nAcme = 3",
         "c.toml:2: \"Acme\" in [adyen.processor_name_by_merchant_account] must be a quoted string, not a whole number"),
        ("[adyen]\ntime_zone_abbreviations = { IST = \"+5:30\" }",
         "c.toml:2: time_zone_abbreviations in [adyen]: \"IST\" = \"+5:30\" is not an offset like \"+05:30\""),
        ("[adyen.time_zone_abbreviations]\nX = \"+19:00\"",
         "c.toml:2: time_zone_abbreviations in [adyen]: \"X\" = \"+19:00\" is not an offset like \"+05:30\""),
        ("[adyen]\ntime_zone_abbreviations = \"IST\"", "c.toml:2: time_zone_abbreviations in [adyen] must be a table written [adyen.time_zone_abbreviations], not a string"),
        ("[adyen]\ntimezones = 1", "c.toml:2: unknown key timezones in [adyen] (expected processor_name_by_merchant_account, time_zone_abbreviations)"),
        ("[square.location_map]\n\"Main Street\" = \"IN_TRANSIT\"",
         "c.toml:2: location_map in [square]: \"Main Street\" = \"IN_TRANSIT\": the location code IN_TRANSIT is reserved"),
        ("[square.location_map]\n\"Main Street\" = \"\"", "c.toml:2: location_map in [square]: \"Main Street\" must name a location code"),
        ("[square]\ncurrency_symbol = \"\"", "c.toml:2: currency_symbol in [square] must not be empty"),
    ])
    func badVendorSettingsNameTheFileLineAndKey(text: String, message: String) {
        do {
            _ = try Configuration.parse(text, fileName: "c.toml")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description == message)
        }
    }
}
