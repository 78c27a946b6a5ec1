import Testing
@testable import CountinghouseIngest
