import Foundation

/// The rules a new password must meet, after NIST SP 800-63B (section 5.1.1.2, memorized secrets):
/// long enough, and not one that an attacker guesses first.
///
/// A password has at least ``minimumCharacters`` characters and at most ``maximumBytes`` bytes of
/// UTF-8 (bcrypt reads no further). Any character is allowed, spaces included, and no mix of
/// character kinds is demanded; what is refused is what guessing tools try first:
///
/// - one of the 10,000 most common passwords (`common-passwords.txt`, compared in lower case),
///   also when dressed with a few digits or symbols before or after it (`Password123!`,
///   `2024qwerty`) or with the usual look-alike digits (`P@ssw0rd`);
/// - only whitespace, one character repeated (`aaaaaaaaaaaa`) or a short pattern repeated
///   (`abcabcabcabc`, `121212121212`);
/// - a run of consecutive characters of the alphabet, the digits or a keyboard row, forwards or
///   backwards, or two such runs or repeats joined (`abcdefghijkl`, `123456789012`,
///   `qwertyuiopas`, `aaaaaa111111`);
/// - the username or the display name (or a word of it) when it has 4 or more characters;
/// - nothing but the name of the service (``serviceWords``), e.g. `concertconcert`.
///
/// Ordinary passphrases (`correct horse battery staple`) and the demo password
/// (`concert-demo-2020`) pass.
public enum PasswordPolicy {
    /// The fewest characters a password may have: 12.
    public static let minimumCharacters = 12
    /// The most UTF-8 bytes a password may have: 72, the bcrypt limit.
    public static let maximumBytes = 72
    /// Words of this service that a password may not consist of alone (repeated or with digits
    /// and symbols around them).
    public static let serviceWords = ["concert"]
    /// Names of the username or the display name shorter than this may appear in a password.
    static let shortestContextWord = 4

    /// Checks a new password, throwing `DomainError.invalid(_, field: "password")` with a
    /// sentence that says why it is refused.
    ///
    /// - Parameters:
    ///   - password: the password as typed (it is not trimmed).
    ///   - username: the account's username, when known; a password containing it is refused.
    ///   - displayName: the account holder's name, when known; a password containing it, or one of
    ///     its words of 4 or more characters, is refused.
    public static func validate(
        _ password: String, username: String? = nil, displayName: String? = nil
    ) throws(DomainError) {
        if let reason = refusal(of: password, username: username, displayName: displayName) {
            throw .invalid(reason, field: "password")
        }
    }

    /// Whether `password` is in the list of common passwords, as typed or stripped of the digits
    /// and symbols around its letters (case-insensitive).
    public static func isCommon(_ password: String) -> Bool {
        let lower = password.lowercased()
        return commonCandidates(of: lower).contains { commonPasswords.contains($0) }
    }

    /// How many common passwords are loaded; reading it loads the list, so that a server can do
    /// so (and fail at once if the resource is missing) when it starts rather than on a request.
    public static var commonPasswordCount: Int { commonPasswords.count }

    /// The sentence that refuses `password`, or `nil` when it is acceptable.
    static func refusal(of password: String, username: String?, displayName: String?) -> String? {
        guard password.count >= minimumCharacters else {
            return "A password needs at least \(minimumCharacters) characters."
        }
        guard password.utf8.count <= maximumBytes else {
            return "A password may have at most \(maximumBytes) bytes."
        }
        if password.allSatisfy(\.isWhitespace) {
            return "This password is only spaces; choose one with letters, digits or symbols."
        }
        let lower = password.lowercased()
        let characters = Array(lower)
        if Set(characters).count == 1 {
            return "This password is one character repeated; choose another."
        }
        let folded = fold(lower)
        if let username, fold(username).count >= shortestContextWord {
            let name = username.lowercased()
            if lower.contains(name) || folded.contains(fold(name)) {
                return "This password contains your username; choose another."
            }
        }
        if let displayName, containsName(displayName, lower: lower, folded: folded) {
            return "This password contains your name; choose another."
        }
        let dressed = dressing(of: lower)
        let letters = String(lower.filter(\.isLetter))
        let coreLetters = String(deleet(String(dressed.core)).filter(\.isLetter))
        if isMadeOfServiceWords(letters) || isMadeOfServiceWords(coreLetters) {
            return "This password is made of the name of this service; choose another."
        }
        if commonCandidates(of: lower).contains(where: { commonPasswords.contains($0) }) {
            return "This password is one of the most common passwords; choose another."
        }
        let coreCharacters = Array(dressed.core)
        let checkCore = coreCharacters.count >= 4 && isWeakDressing(dressed.prefix) && isWeakDressing(dressed.suffix)
        if isPeriodic(characters) || (checkCore && (Set(coreCharacters).count == 1 || isPeriodic(coreCharacters))) {
            return "This password repeats a short pattern (like 'abcabc'); choose another."
        }
        if runCount(characters) <= 2 || (checkCore && runCount(coreCharacters) <= 2) {
            return
                "This password is a sequence of characters (like 'abcdef', '123456' or 'qwerty'); choose another."
        }
        return nil
    }

    // MARK: - The common-password list

    /// The common passwords, lower case, loaded once from `common-passwords.txt` on first use.
    static let commonPasswords: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            fatalError("ConcertCore's resource common-passwords.txt is missing: the build is incomplete.")
        }
        var passwords = Set<String>(minimumCapacity: 10_000)
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            passwords.insert(line.lowercased())
        }
        return passwords
    }()

    /// The forms of a (lower-case) password looked up in the common list: as typed, without the
    /// digits and symbols around its letters (when those are few or themselves weak), and each of
    /// these with look-alike digits read as letters.
    static func commonCandidates(of lower: String) -> [String] {
        var forms = [lower]
        let dressed = dressing(of: lower)
        if !dressed.core.isEmpty {
            if isWeakDressing(dressed.suffix) { forms.append(String(dressed.prefix + dressed.core)) }
            if isWeakDressing(dressed.prefix) { forms.append(String(dressed.core + dressed.suffix)) }
            if isWeakDressing(dressed.prefix) && isWeakDressing(dressed.suffix) { forms.append(String(dressed.core)) }
        }
        return forms + forms.map(deleet)
    }

    /// A password cut into what comes before its first letter, the letters and what lies
    /// between them, and what comes after its last letter.
    static func dressing(of text: String) -> (prefix: Substring, core: Substring, suffix: Substring) {
        guard let first = text.firstIndex(where: \.isLetter), let last = text.lastIndex(where: \.isLetter) else {
            return (text[...], "", "")
        }
        let afterLast = text.index(after: last)
        return (text[..<first], text[first..<afterLast], text[afterLast...])
    }

    /// Whether digits and symbols put around a word add little: at most 6 of them, or a run or a
    /// repeat however long (`12345678`, `!!!!!!!!`, `20202020`).
    static func isWeakDressing(_ dressing: Substring) -> Bool {
        let characters = Array(dressing)
        return characters.count <= 6 || runCount(characters) <= 2 || isPeriodic(characters)
    }

    /// The text with the usual look-alike digits and symbols read as the letters they stand for.
    static func deleet(_ text: String) -> String {
        let map: [Character: Character] = [
            "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
        ]
        return String(text.map { map[$0] ?? $0 })
    }

    // MARK: - Context words

    /// Lower-case letters and digits only, so that `fr-officer` is found in `FrOfficer2024`.
    static func fold(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// Whether the password contains the display name, or one of its words of 4+ characters.
    static func containsName(_ displayName: String, lower: String, folded: String) -> Bool {
        let whole = fold(displayName)
        if whole.count >= shortestContextWord && folded.contains(whole) { return true }
        let words = displayName.lowercased().split { !($0.isLetter || $0.isNumber) }
        return words.contains { $0.count >= shortestContextWord && lower.contains($0) }
    }

    /// Whether `letters` is one or more service words end to end, and nothing else.
    static func isMadeOfServiceWords(_ letters: String) -> Bool {
        guard !letters.isEmpty else { return false }
        var rest = Substring(letters)
        while !rest.isEmpty {
            guard let word = serviceWords.first(where: { rest.hasPrefix($0) }) else { return false }
            rest = rest.dropFirst(word.count)
        }
        return true
    }

    // MARK: - Repeats and runs

    /// Whether the characters repeat a pattern of at most half their length (`abcabcab`).
    static func isPeriodic(_ characters: [Character]) -> Bool {
        guard characters.count >= 2 else { return false }
        for period in 1...(characters.count / 2) {
            if (period..<characters.count).allSatisfy({ characters[$0] == characters[$0 - period] }) {
                return true
            }
        }
        return false
    }

    /// The orders in which consecutive characters make a run: the alphabet, the digits (cyclic,
    /// so `…7890123`), the letter rows of a QWERTY keyboard read in turn, and its shifted digit row.
    static let runOrders: [(characters: [Character], cyclic: Bool)] = [
        (Array("abcdefghijklmnopqrstuvwxyz"), false),
        (Array("0123456789"), true),
        (Array("qwertyuiopasdfghjklzxcvbnm"), false),
        (Array("!@#$%^&*()"), false),
    ]

    /// One step from a character to the next: the same character again, or one place forwards or
    /// backwards in one of ``runOrders``.
    struct Step: Hashable {
        /// The index in ``runOrders``, or -1 for a repeated character.
        var order: Int
        /// +1 forwards, -1 backwards, 0 for a repeat.
        var direction: Int
    }

    /// Every step that leads from `a` to `b`.
    static func steps(from a: Character, to b: Character) -> Set<Step> {
        if a == b { return [Step(order: -1, direction: 0)] }
        var found = Set<Step>()
        for (index, order) in runOrders.enumerated() {
            guard let from = order.characters.firstIndex(of: a), let to = order.characters.firstIndex(of: b) else {
                continue
            }
            let count = order.characters.count
            if to == from + 1 || (order.cyclic && to == (from + 1) % count) {
                found.insert(Step(order: index, direction: 1))
            }
            if to == from - 1 || (order.cyclic && to == (from + count - 1) % count) {
                found.insert(Step(order: index, direction: -1))
            }
        }
        return found
    }

    /// How many runs the characters make, each run being one character repeated or consecutive
    /// characters of one order in one direction, taken greedily from the left:
    /// `abcdef123456` makes 2, `concert-demo-2020` 15.
    static func runCount(_ characters: [Character]) -> Int {
        var runs = 0
        var index = 0
        while index < characters.count {
            runs += 1
            var shared: Set<Step>?
            var end = index
            while end + 1 < characters.count {
                let next = steps(from: characters[end], to: characters[end + 1])
                let kept = shared.map { $0.intersection(next) } ?? next
                if kept.isEmpty { break }
                shared = kept
                end += 1
            }
            index = end + 1
        }
        return runs
    }
}
