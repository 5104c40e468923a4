import Foundation

/// Person-name folding into a match key that survives case, diacritics, German umlaut
/// spellings, word order and the Cyrillic and Greek scripts.
///
/// `Müller`, `MULLER`, `Mueller` and `Мюллер` share the key `muller`; `Hans Müller` and
/// `MÜLLER, Hans` share `hans muller`.
public enum PersonName {
    /// Letters that canonical decomposition does not split into a base letter and a mark.
    private static let specialLatin: [Character: String] = [
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i",
        "ŋ": "n", "ħ": "h", "ŧ": "t", "ſ": "s", "ĸ": "k",
    ]

    /// Cyrillic to Latin, close to the ICAO passport scheme, so a transliterated name matches
    /// the way it is commonly written in Latin script.
    private static let cyrillic: [Character: String] = [
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
        "ь": "", "э": "e", "ю": "iu", "я": "ia", "є": "ie", "і": "i", "ї": "i", "ґ": "g", "ђ": "dj",
        "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ў": "u",
    ]

    /// Greek to Latin (ELOT 743 simplified), after accents are removed.
    private static let greek: [Character: String] = [
        "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
        "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
        "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
    ]

    private static let consonants = Set("bcdfghjklmnpqrstvwxz")

    /// The match key of a name: folded, transliterated, simplified, words sorted.
    public static func matchKey(_ name: String) -> String {
        let words = transliterate(name).split { !$0.isLetter }.map { simplify(String($0)) }.filter { !$0.isEmpty }
        return words.sorted().joined(separator: " ")
    }

    /// Lower case, Latin script, no diacritics.
    static func transliterate(_ name: String) -> String {
        // Greek writes the u-sound with two letters; fold it before letters are mapped one by one.
        // ASCII is its own compatibility form and holds no Greek.
        let isASCII = name.utf8.allSatisfy { $0 < 0x80 }
        let lowered =
            isASCII
            ? name.lowercased()
            : name.precomposedStringWithCompatibilityMapping.lowercased()
                .replacingOccurrences(of: "ου", with: "u").replacingOccurrences(of: "ού", with: "u")
        var latin = ""
        var previous: Character = " "
        for character in lowered {
            if character.isASCII {
                // Nothing to decompose or map.
                latin.append(character)
            } else if character == "ю" || character == "я" {
                // After a consonant these soften it and often stand for ü and ä in foreign
                // names (Мюллер = Müller); at the start of a word they carry a y-sound.
                let vowel = character == "ю" ? "u" : "a"
                latin += consonants.contains(previous) ? vowel : "y" + vowel
            } else if let mapped = cyrillic[character] ?? specialLatin[character] {
                latin += mapped
            } else {
                let stripped = String(character).decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                    $0.properties.generalCategory != .nonspacingMark
                }
                let base = String(String.UnicodeScalarView(stripped))
                if let first = base.first, let mapped = greek[first] {
                    latin += mapped
                } else {
                    latin += base
                }
            }
            previous = latin.last ?? " "
        }
        return latin
    }

    /// Folds spelling variants that transliteration and umlauts produce.
    static func simplify(_ word0: String) -> String {
        // Umlauts written out (Mueller) fold like the umlaut itself (Müller → muller): an e
        // after a, o or u goes.
        var word = ""
        var previous: Character?
        for character in word0 {
            if character == "e", let letter = previous, letter == "a" || letter == "o" || letter == "u" {
                // Dropped, and that vowel pairs no more: "aee" is "ae", as when each pair is
                // replaced in one pass.
                previous = nil
                continue
            }
            word.append(character)
            previous = character
        }
        // Endings that Cyrillic -ий / -ый are written with in Latin: Yuriy, Yurij, Yurii, Yury.
        for ending in ["iy", "ij", "ii", "yi", "y"] where word.count > ending.count + 1 && word.hasSuffix(ending) {
            word = String(word.dropLast(ending.count)) + "i"
            break
        }
        return word
    }
}
