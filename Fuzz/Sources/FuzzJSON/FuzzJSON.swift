import ConcertCore
import Foundation
import FuzzDriver

/// The JSON bodies of requests decoded from arbitrary bytes, as the API decodes them: a
/// decoding error or a value, never a crash; a value decoded re-encodes and decodes again.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzJSON(FuzzInput(start: data, count: data == nil ? 0 : size))
}

@_cdecl("FuzzJSON_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, testOneInput)
}

func fuzzJSON(_ input: FuzzInput) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    roundTrip(TargetInput.self, text)
    roundTrip(ActionInput.self, text)
    roundTrip(MessageInput.self, text)
    roundTrip(ExhibitInput.self, text)
    roundTrip(LegalInstrumentInput.self, text)
    roundTrip(CustodyInput.self, text)
    roundTrip(Outcome.self, text)
    if let selector = try? ConcertJSON.decode(SelectorInput.self, from: text) {
        _ = try? selector.normalised(defaultCountry: nil)
    }
    return 0
}

func roundTrip<Value: Codable>(_ type: Value.Type, _ text: String) {
    guard let value = try? ConcertJSON.decode(type, from: text) else { return }
    guard let encoded = try? ConcertJSON.encodeToString(value) else {
        fatalError("a decoded \(type) does not encode: \(text.debugDescription)")
    }
    guard (try? ConcertJSON.decode(type, from: encoded)) != nil else {
        fatalError("a decoded \(type) encodes as JSON it cannot decode: \(encoded)")
    }
}
