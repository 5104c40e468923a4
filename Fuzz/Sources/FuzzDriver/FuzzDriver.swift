/// libFuzzer's driver, called from each fuzzer's entry point: SwiftPM names an executable's
/// entry point after its module (`FuzzSelectors_main`), so libFuzzer's own `main` is not the
/// one that runs.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The bytes of one input, however libFuzzer passes them (an empty one may come as null).
public typealias FuzzInput = UnsafeBufferPointer<UInt8>

/// Runs libFuzzer with the process's arguments over `test`.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments, test)
}
