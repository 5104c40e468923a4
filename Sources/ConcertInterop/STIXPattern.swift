import ConcertCore
import Foundation

/// The comparisons of a STIX 2.1 pattern that name an identifier Concert records:
/// `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value`, `url:value` and
/// `email-addr:value` compared with `=` (or a block with `ISSUBSET`), in observations joined by
/// `AND`, `OR` or `FOLLOWEDBY`, with or without qualifiers.
public enum STIXPattern {
    /// What a pattern names.
    public struct Reading: Sendable, Equatable {
        /// The identifiers, in the order written.
        public var selectors: [SelectorInput]
        /// Comparisons of other objects or operators, not read.
        public var ignored: Int
    }

    enum Token: Equatable {
        case open, close, openGroup, closeGroup
        case word(String)
        case text(String)
    }

    /// Reads `pattern`, or says where it stops being a STIX pattern.
    public static func read(_ pattern: String) throws(InteropError) -> Reading {
        let tokens = try tokenise(pattern)
        guard let first = tokens.first, first == .open || first == .openGroup else {
            throw InteropError(
                "A STIX pattern starts with '[': an observation such as [ipv4-addr:value = '198.51.100.1'].")
        }
        var depth = 0
        var groups = 0
        for token in tokens {
            switch token {
            case .open:
                guard depth == 0 else { throw InteropError("An observation '[' opens inside another.") }
                depth = 1
            case .close:
                guard depth == 1 else { throw InteropError("A ']' closes no observation.") }
                depth = 0
            case .openGroup: groups += 1
            case .closeGroup:
                groups -= 1
                guard groups >= 0 else { throw InteropError("A ')' closes no group.") }
            default: continue
            }
        }
        guard depth == 0, groups == 0 else { throw InteropError("The pattern ends with a '[' or '(' still open.") }
        var reading = Reading(selectors: [], ignored: 0)
        var index = 0
        while index + 2 < tokens.count {
            guard case .word(let path) = tokens[index], path.contains(":") else {
                index += 1
                continue
            }
            var operatorIndex = index + 1
            var negated = false
            if tokens[operatorIndex] == .word("NOT") {
                negated = true
                operatorIndex += 1
            }
            guard operatorIndex + 1 < tokens.count, case .word(let comparison) = tokens[operatorIndex],
                case .text(let value) = tokens[operatorIndex + 1]
            else {
                reading.ignored += 1
                index += 1
                continue
            }
            index = operatorIndex + 2
            guard !negated, let kind = kind(of: path, comparison: comparison, value: value) else {
                reading.ignored += 1
                continue
            }
            reading.selectors.append(SelectorInput(kind: kind, text: value))
        }
        return reading
    }

    private static func kind(of path: String, comparison: String, value: String) -> SelectorKind? {
        switch (path, comparison) {
        case ("ipv4-addr:value", "="), ("ipv6-addr:value", "="): value.contains("/") ? .cidr : .ip
        case ("ipv4-addr:value", "ISSUBSET"), ("ipv6-addr:value", "ISSUBSET"): .cidr
        case ("domain-name:value", "="): .domain
        case ("url:value", "="): .url
        case ("email-addr:value", "="): .email
        default: nil
        }
    }

    static func tokenise(_ pattern: String) throws(InteropError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(pattern.unicodeScalars)
        var index = 0
        var word = ""
        // The '[' of a path (`to_refs[*]`) still open in `word`, counted rather than searched
        // for: a pattern of thousands of brackets is read in linear time.
        var openInWord = 0
        func endWord() {
            if !word.isEmpty { tokens.append(.word(word)) }
            word = ""
            openInWord = 0
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'":
                // A timestamp is t'…'; the t is no word of its own.
                if word == "t" || word == "b" || word == "h" { word = "" }
                endWord()
                var text = ""
                index += 1
                var closed = false
                while index < characters.count {
                    let next = characters[index]
                    if next == "\\", index + 1 < characters.count {
                        text.unicodeScalars.append(characters[index + 1])
                        index += 2
                        continue
                    }
                    if next == "'" {
                        closed = true
                        break
                    }
                    text.unicodeScalars.append(next)
                    index += 1
                }
                guard closed else {
                    throw InteropError("A quoted value opened at character \(tokens.count + 1) is never closed.")
                }
                tokens.append(.text(text))
            case "[":
                // `to_refs[*]` is part of a path; an observation opens after a space or a bracket.
                if !word.isEmpty {
                    word.unicodeScalars.append(character)
                    openInWord += 1
                } else {
                    tokens.append(.open)
                }
            case "]":
                if openInWord > 0 {
                    word.unicodeScalars.append(character)
                    openInWord -= 1
                } else {
                    endWord()
                    tokens.append(.close)
                }
            case "(":
                endWord()
                tokens.append(.openGroup)
            case ")":
                endWord()
                tokens.append(.closeGroup)
            case " ", "\t", "\n", "\r":
                endWord()
            // An operator written against its path (`a:value='x'`) is a word of its own.
            case "=" where !word.isEmpty && !["!", "<", ">"].contains(word.last!):
                endWord()
                tokens.append(.word("="))
            default:
                word.unicodeScalars.append(character)
            }
            index += 1
        }
        endWord()
        return tokens
    }
}
