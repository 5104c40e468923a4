import ConcertCore

/// A target's selectors in one column of its row, as the cross-check index reads them: for
/// each, `kind SP length SP matchKey SP dateOfBirth LF`, the match key preceded by its length
/// in bytes (so that any byte may be in it) and `-` when there is no date of birth.
///
/// An import writes a row per target instead of a row per selector in an index keyed by
/// random target identifiers, and a rebuild reads the targets in order instead of joining.
enum PackedSelectors {
    /// The packed form of a target's selectors.
    static func pack(_ selectors: [Selector]) -> String {
        // Written as bytes: an import packs the selectors of hundreds of thousands of targets,
        // and string interpolation made a string of every piece.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(selectors.reduce(0) { $0 + $1.matchKey.utf8.count + 24 })
        for selector in selectors {
            bytes.append(contentsOf: selector.kind.rawValue.utf8)
            bytes.append(UInt8(ascii: " "))
            appendDecimal(selector.matchKey.utf8.count, to: &bytes)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: selector.matchKey.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: (selector.dateOfBirth ?? "-").utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendDecimal(value / 10, to: &bytes)
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Hands each packed selector to `body`: kind, match key, date of birth. Stops at anything
    /// malformed.
    static func forEach(
        in packed: UnsafeRawBufferPointer,
        _ body: (SelectorKind, UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void
    ) {
        let space = UInt8(ascii: " ")
        var position = 0
        func field(until terminator: UInt8) -> UnsafeRawBufferPointer? {
            guard let end = packed[position...].firstIndex(of: terminator) else { return nil }
            defer { position = end + 1 }
            return UnsafeRawBufferPointer(rebasing: packed[position..<end])
        }
        while position < packed.count {
            guard let kindBytes = field(until: space), let kind = SelectorKind(utf8: kindBytes),
                let lengthBytes = field(until: space), !lengthBytes.isEmpty,
                lengthBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return }
            let length = lengthBytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard position + length < packed.count, packed[position + length] == space else { return }
            let matchKey = UnsafeRawBufferPointer(rebasing: packed[position..<(position + length)])
            position += length + 1
            guard let birth = field(until: UInt8(ascii: "\n")) else { return }
            body(kind, matchKey, birth.elementsEqual("-".utf8) ? nil : birth)
        }
    }
}
