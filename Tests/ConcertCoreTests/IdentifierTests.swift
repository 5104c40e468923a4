import Foundation
import Testing

@testable import ConcertCore

@Suite("Identifiers")
struct IdentifierTests {
    @Test("identifiers are lower-case version 7 UUIDs, plausible, and never repeat")
    func format() throws {
        let made = (0..<10_000).map { _ in Identifier.make() }
        #expect(Set(made).count == made.count)
        for id in made.prefix(100) {
            let uuid = try #require(UUID(uuidString: id))
            #expect(id == id.lowercased())
            #expect(uuid.uuid.6 >> 4 == 7, "version 7: \(id)")
            #expect(uuid.uuid.8 >> 6 == 0b10, "RFC 9562 variant: \(id)")
            #expect(Identifier.isPlausible(id))
        }
    }

    @Test("identifiers made in later milliseconds sort after earlier ones, and carry their time")
    func timeOrdered() throws {
        let start: UInt64 = 1_796_000_000_000  // December 2026
        let made = (0..<2_000).map { step in Identifier.make(milliseconds: start + UInt64(step / 4)) }
        // Within one millisecond the order is random; across milliseconds it is the time's.
        for (earlier, later) in zip(made, made.dropFirst(4)) { #expect(earlier < later) }
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let id = Identifier.make()
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        let milliseconds = try #require(UInt64(hex, radix: 16))
        #expect(milliseconds >= now && milliseconds < now + 60_000)
    }
}
