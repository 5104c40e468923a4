import Testing

@testable import ConcertCore

@Suite("Password policy")
struct PasswordPolicyTests {
    /// The sentence that refuses `password`, or `nil` when it is accepted.
    func refusal(_ password: String, username: String? = nil, displayName: String? = nil) -> String? {
        do {
            try PasswordPolicy.validate(password, username: username, displayName: displayName)
            return nil
        } catch {
            #expect(error.field == "password")
            #expect(error.kind == .invalid)
            return error.message
        }
    }

    @Test("the common-password list ships with the module and is loaded whole")
    func listLoads() {
        #expect(PasswordPolicy.commonPasswordCount == 10_000)
        #expect(PasswordPolicy.commonPasswords.contains("password"))
        #expect(PasswordPolicy.commonPasswords.contains("qwertyuiop"))
        #expect(!PasswordPolicy.commonPasswords.contains { $0.hasPrefix("#") })
    }

    @Test(
        "the passwords attackers try first are refused",
        arguments: [
            "            ", "aaaaaaaaaaaa", "password1234", "Password123!", "qwertyuiop12", "123456789012",
            "abcabcabcabc", "121212121212", "abcdefghijkl", "qwertyuiopas", "lkjihgfedcba", "PASSWORD1234",
            "P@ssw0rd2024", "2024password", "Summer2024!!", "password12345678", "iloveyou!!!!", "concertconcert",
            "Concert2024!!", "C0ncert!2024", "aaaaaa111111", "abcdef123456", "zxcvbnm12345", "0987654321ab",
            "!@#$%^&*()qw", "\t\t\t\t  \t\t\t\t\t\t",
        ])
    func refused(password: String) {
        #expect(refusal(password) != nil, "\(password) was accepted")
    }

    @Test(
        "ordinary passphrases and the demo password are accepted",
        arguments: [
            "concert-demo-2020", "correct horse battery staple", "Tr0ub4dor&3xyz", "long enough password",
            "a long enough password", "love!5920#4817", "the concert of europe", "vRq8-mZt2-Lw9x",
            "Müller fährt nach Köln", "пароль-для-операции", "ab4829175036",
        ])
    func accepted(password: String) {
        #expect(refusal(password) == nil, "\(password): \(refusal(password) ?? "")")
    }

    @Test("each refusal says why in a sentence")
    func sentences() {
        #expect(refusal("short") == "A password needs at least 12 characters.")
        #expect(refusal(String(repeating: "é", count: 40)) == "A password may have at most 72 bytes.")
        #expect(refusal("            ")?.contains("only spaces") == true)
        #expect(refusal("aaaaaaaaaaaa")?.contains("one character repeated") == true)
        #expect(refusal("Password123!")?.contains("most common passwords") == true)
        #expect(refusal("abcabcabcabc")?.contains("repeats a short pattern") == true)
        #expect(refusal("abcdefghijkl")?.contains("sequence") == true)
        #expect(refusal("123456789012")?.contains("sequence") == true)
        #expect(refusal("concertconcert")?.contains("name of this service") == true)
        for message in [refusal("short"), refusal("aaaaaaaaaaaa"), refusal("Password123!")] {
            #expect(message?.hasSuffix(".") == true)
        }
    }

    @Test("a password may not contain the username or the display name")
    func contextWords() {
        let username = "fr-officer"
        #expect(refusal("my fr-officer pass", username: username)?.contains("username") == true)
        #expect(refusal("FrOfficer-2024-x", username: username)?.contains("username") == true)
        #expect(refusal("My name is Anna Schmidt", displayName: "Anna Schmidt")?.contains("your name") == true)
        #expect(refusal("schmidt-rules-the-desk", displayName: "Anna Schmidt")?.contains("your name") == true)
        // Short names and unrelated passwords are not held against anyone.
        #expect(refusal("to be or not to be", username: "be", displayName: "Bo") == nil)
        #expect(refusal("concert-demo-2020", username: "coordinator", displayName: "Case Coordinator") == nil)
        #expect(refusal("concert-demo-2020", username: "fr-officer", displayName: "Officer, Police nationale") == nil)
    }

    @Test("User.validatePassword applies the same policy, with or without the account's names")
    func userValidation() throws {
        #expect(throws: DomainError.self) { try User.validatePassword("Password123!") }
        #expect(throws: DomainError.self) { try User.validatePassword("hello-jdoe-2024", username: "jdoe") }
        try User.validatePassword("concert-demo-2020")
        try User.validatePassword("correct horse battery staple", username: "jdoe", displayName: "Jane Doe")
    }

    @Test("a common password is found whatever its case and dressing")
    func commonForms() {
        #expect(PasswordPolicy.isCommon("DRAGON"))
        #expect(PasswordPolicy.isCommon("dragon2024!"))
        #expect(PasswordPolicy.isCommon("!!dragon"))
        #expect(PasswordPolicy.isCommon("Dr@g0n"))
        #expect(!PasswordPolicy.isCommon("dragon-fly-over-the-hill"))
        #expect(!PasswordPolicy.isCommon("concert-demo-2020"))
    }

    @Test("runs are counted across the alphabet, the digits and keyboard rows, both ways")
    func runs() {
        #expect(PasswordPolicy.runCount(Array("abcdefghijkl")) == 1)
        #expect(PasswordPolicy.runCount(Array("123456789012")) == 1)
        #expect(PasswordPolicy.runCount(Array("qwertyuiopas")) == 1)
        #expect(PasswordPolicy.runCount(Array("poiuytrewq")) == 1)
        #expect(PasswordPolicy.runCount(Array("abcdef654321")) == 2)
        #expect(PasswordPolicy.runCount(Array("concert-demo-2020")) > 10)
        #expect(PasswordPolicy.isPeriodic(Array("abcabcab")))
        #expect(!PasswordPolicy.isPeriodic(Array("abcabd")))
    }
}
