import ConcertCore
import FuzzDriver

/// The Markdown of messages and sitreps rendered from arbitrary text: never a crash, and never
/// a tag the renderer does not write itself (a `<script>` typed is text).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzMarkdown(FuzzInput(start: data, count: data == nil ? 0 : size))
}

@_cdecl("FuzzMarkdown_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, testOneInput)
}

func fuzzMarkdown(_ input: FuzzInput) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    let html = SafeMarkdown.html(text)
    let lowered = html.lowercased()
    for dangerous in ["<script", "<iframe", "<img", "javascript:", " onerror=", " onload=", "<svg", "<style"]
    where lowered.contains(dangerous) {
        fatalError("the rendering of \(text.debugDescription) holds \(dangerous): \(html)")
    }
    return 0
}
