import ConcertCore
import Testing

@Suite("Free-text lengths as the API's document counts them")
struct ValidationTests {
    @Test("a length is counted in code points, not in grapheme clusters")
    func countsCodePoints() throws {
        // One letter followed by 20,000 skin-tone modifiers is one grapheme cluster but 20,001
        // code points: the document's maxLength of 20,000 refuses it, and so must the API.
        let modifiers = "Ã" + String(repeating: "\u{1F3FB}", count: 20_000)
        #expect(modifiers.count < 10)
        #expect(throws: DomainError.self) {
            _ = try Validation.optionalText(modifiers, field: "summary", maxLength: 20_000)
        }
        #expect(throws: DomainError.self) {
            _ = try Validation.requiredText(modifiers, field: "summary", maxLength: 20_000)
        }
        // Combining accents count one code point each.
        let accents = String(repeating: "e\u{301}", count: 10_000)
        #expect(try Validation.optionalText(accents, field: "summary", maxLength: 20_000) == accents)
        #expect(throws: DomainError.self) {
            _ = try Validation.optionalText(accents + "e", field: "summary", maxLength: 20_000)
        }
    }

    @Test("the limit applies to the text as sent, white space around it included")
    func countsTheTextAsSent() throws {
        #expect(try Validation.requiredText("  KESTREL  ", field: "codeName", maxLength: 11) == "KESTREL")
        #expect(throws: DomainError.self) {
            _ = try Validation.requiredText("  KESTREL  ", field: "codeName", maxLength: 10)
        }
        #expect(throws: DomainError.self) { _ = try Validation.requiredText(" \n ", field: "codeName", maxLength: 10) }
        #expect(try Validation.optionalText(" \n ", field: "summary", maxLength: 10) == nil)
    }
}
