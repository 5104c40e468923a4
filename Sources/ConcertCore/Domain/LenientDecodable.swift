/// A string enum whose decoding failure names the accepted values.
///
/// Decoding an unknown value throws a `DecodingError.dataCorrupted` whose description is a
/// sentence for a person ("'H9' is not one of H0, H1, H2, H3."), which the server passes on.
public protocol LenientDecodable: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension LenientDecodable {
    /// Decodes the raw value and rejects unknown ones with the list of accepted values.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            let accepted = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(raw)' is not one of \(accepted)."
            )
        }
        self = value
    }
}
