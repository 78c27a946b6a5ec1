import CountinghouseApp
import CountinghouseCore
import Testing

@Test func placeholder() {}
