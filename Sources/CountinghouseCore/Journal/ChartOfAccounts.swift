// The chart of accounts (SEMANTICS §5): what each account is for, and its code and name.
//
// Place in the pipeline: the journal rules post to *roles* (inventory, card clearing, …); the
// chart turns a role into the code and name the books show. The defaults are §5's; the
// configuration file may change any code or name (`[[accounts]]` with `role`, `code`, `name`).
// Invariant: two roles never share a code, so balances per code are balances per role.

/// What an account is for. The raw value is the name the configuration file uses.
public enum AccountRole: String, CaseIterable, Sendable, Hashable {
    case cashOnHand = "cash_on_hand"
    case bank
    case cardClearing = "card_clearing"
    case processorBalance = "processor_balance"
    case otherTenders = "other_tenders_receivable"
    case inventory
    case inventoryInTransit = "inventory_in_transit"
    case goodsReceivedNotInvoiced = "goods_received_not_invoiced"
    case salesTaxPayable = "sales_tax_payable"
    case giftCardLiability = "gift_card_liability"
    /// Where journal.ledger's opening puts the result (income less expenses) before its span, so
    /// that hledger's income statement shows the span's result only. No journal rule posts to it.
    case retainedEarnings = "retained_earnings"
    case sales
    case salesReturns = "sales_returns"
    case salesDiscounts = "sales_discounts"
    case costOfGoodsSold = "cost_of_goods_sold"
    case inventoryShrinkage = "inventory_shrinkage"
    case complimentaryGoods = "complimentary_goods"
    case processingFees = "payment_processing_fees"
    case chargebacks
    case reconciliationWriteOffs = "reconciliation_write_offs"
    case overShort = "pos_over_short"

    /// §5's default code and name.
    public var defaultAccount: Account {
        switch self {
        case .cashOnHand: return Account(code: "1000", name: "Cash on hand")
        case .bank: return Account(code: "1010", name: "Bank")
        case .cardClearing: return Account(code: "1100", name: "Card clearing")
        case .processorBalance: return Account(code: "1110", name: "Processor balance")
        case .otherTenders: return Account(code: "1190", name: "Other tenders receivable")
        case .inventory: return Account(code: "1200", name: "Inventory")
        case .inventoryInTransit: return Account(code: "1210", name: "Inventory in transit")
        case .goodsReceivedNotInvoiced: return Account(code: "2000", name: "Goods received not invoiced")
        case .salesTaxPayable: return Account(code: "2100", name: "Sales tax payable")
        case .giftCardLiability: return Account(code: "2200", name: "Gift card liability")
        case .retainedEarnings: return Account(code: "3900", name: "Retained earnings")
        case .sales: return Account(code: "4000", name: "Sales")
        case .salesReturns: return Account(code: "4010", name: "Sales returns")
        case .salesDiscounts: return Account(code: "4020", name: "Sales discounts")
        case .costOfGoodsSold: return Account(code: "5000", name: "Cost of goods sold")
        case .inventoryShrinkage: return Account(code: "5010", name: "Inventory shrinkage")
        case .complimentaryGoods: return Account(code: "5020", name: "Complimentary goods")
        case .processingFees: return Account(code: "6000", name: "Payment processing fees")
        case .chargebacks: return Account(code: "6010", name: "Chargebacks")
        case .reconciliationWriteOffs: return Account(code: "6020", name: "Reconciliation write-offs")
        case .overShort: return Account(code: "6900", name: "POS over/short")
        }
    }
}

/// An account as the books show it: its code (how it sorts and is matched) and name.
public struct Account: Sendable, Hashable, Comparable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }

    /// By code, in byte order (how the trial balance sorts).
    public static func < (a: Account, b: Account) -> Bool {
        if !CostRuns.sameBytes(a.code, b.code) { return CostRuns.precedesInByteOrder(a.code, b.code) }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }

    /// The account's type, from its code's first digit.
    public var type: AccountType { AccountType(code: code) }

    /// The hledger account name: the top-level type (`AccountType`), then `code name`, e.g.
    /// `Assets:1200 Inventory`. hledger infers the account type from these top-level names.
    public var ledgerName: String {
        // A colon would start a sub-account, two spaces or a tab would end the name, `;` starts
        // a comment: none may appear inside one account name.
        // Code points, not characters: a `:` with a combining mark is one character but still the
        // byte hledger splits on.
        var text = String.UnicodeScalarView()
        for scalar in "\(code) \(name)".unicodeScalars {
            let cleaned: Unicode.Scalar
            switch scalar {
            case ":", ";": cleaned = "-"
            case "\t", "\n", "\r": cleaned = " "
            default: cleaned = scalar
            }
            if cleaned == " " && text.last == " " { continue }
            text.append(cleaned)
        }
        return "\(type.rawValue):\(String(text))"
    }
}

/// An account's type, from its code's first digit: 1 assets, 2 liabilities, 3 equity, 4 income,
/// anything else expenses. The raw value is hledger's top-level account name for it.
public enum AccountType: String, Sendable, Hashable {
    case assets = "Assets"
    case liabilities = "Liabilities"
    case equity = "Equity"
    case income = "Income"
    case expenses = "Expenses"

    public init(code: String) {
        switch code.first {
        case "1": self = .assets
        case "2": self = .liabilities
        case "3": self = .equity
        case "4": self = .income
        default: self = .expenses
        }
    }

    /// Assets, liabilities and equity: balances carried from one period to the next. Income and
    /// expenses are a period's result.
    public var isBalanceSheet: Bool { self == .assets || self == .liabilities || self == .equity }
}

public struct ChartOfAccounts: Sendable, Hashable {
    public private(set) var accounts: [AccountRole: Account]

    /// §5's defaults.
    public init() {
        accounts = Dictionary(uniqueKeysWithValues: AccountRole.allCases.map { ($0, $0.defaultAccount) })
    }

    public subscript(role: AccountRole) -> Account { accounts[role]! }

    /// Changes one role's code and name; refuses a code another role already has.
    public mutating func set(_ role: AccountRole, to account: Account) throws(ChartError) {
        if let other = accounts.first(where: { $0.key != role && $0.value.code == account.code }) {
            throw ChartError(message: "account code \(account.code) is already \(other.key.rawValue)'s (\(other.value.name))")
        }
        accounts[role] = account
    }

    /// Changes one role's code and name without checking the others (a configuration file may
    /// swap two codes); `duplicateCode` checks once all are set.
    public mutating func setUnchecked(_ role: AccountRole, to account: Account) { accounts[role] = account }

    /// Two roles sharing a code, if any: the code and the two roles (in role order).
    public var duplicateCode: (code: String, first: AccountRole, second: AccountRole)? {
        var owner: [String: AccountRole] = [:]
        for role in AccountRole.allCases {
            let code = accounts[role]!.code
            if let first = owner[code] { return (code, first, role) }
            owner[code] = role
        }
        return nil
    }

    /// The name the books show for a code: the chart's, else `fallback` (an account the chart no
    /// longer has, kept by posted periods).
    public func name(ofCode code: String, fallback: String) -> String {
        accounts.values.first { $0.code == code }?.name ?? fallback
    }

    /// Every account, by code.
    public var all: [Account] { accounts.values.sorted() }
}

public struct ChartError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
