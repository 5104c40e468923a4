import ConcertCore
import FuzzDriver

/// Every kind of selector normalised from arbitrary text: it throws a `DomainError` or gives a
/// selector whose normal form normalises to itself; it never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzSelectors(FuzzInput(start: data, count: data == nil ? 0 : size))
}

@_cdecl("FuzzSelectors_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, testOneInput)
}

func fuzzSelectors(_ input: FuzzInput) -> CInt {
    let bytes = input
    guard let first = bytes.first else { return 0 }
    let kinds = SelectorKind.allCases
    let kind = kinds[Int(first) % kinds.count]
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    guard let normalised = try? SelectorInput(kind: kind, text: text).normalised(defaultCountry: "FR") else { return 0 }
    // The normal form is stable: normalising it again changes nothing.
    if case .text(let value) = normalised.value,
        let again = try? SelectorInput(kind: kind, text: value).normalised(defaultCountry: "FR"),
        again.matchKey != normalised.matchKey
    {
        fatalError("'\(value)' (\(kind)) normalises to \(again.matchKey), not \(normalised.matchKey)")
    }
    return 0
}
