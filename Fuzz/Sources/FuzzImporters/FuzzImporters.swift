import ConcertCore
import ConcertInterop
import Foundation
import FuzzDriver

/// The importers of partners' files read arbitrary bytes: the first byte picks the reader (a
/// table, a STIX bundle, MISP events, a STIX pattern), the rest is the file. Each refuses what it
/// cannot read with an error, never crashes; every error and every selector it reads has a
/// place; and a file read in pieces reads as it does whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzImporters(FuzzInput(start: data, count: data == nil ? 0 : size))
}

@_cdecl("FuzzImporters_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, testOneInput)
}

let defaults = ImportDefaults(handling: .h2, evaluation: Evaluation(source: .x, information: .four))

func check(_ read: InteropImport) {
    for target in read.targets where target.selectorPlaces.count != target.input.selectors.count {
        fatalError("a target of \(target.input.selectors.count) selectors has \(target.selectorPlaces.count) places")
    }
    for note in read.errors + read.skipped + read.unresolved where note.place.description.isEmpty {
        fatalError("a note without a place: \(note.detail)")
    }
}

func fuzzImporters(_ input: FuzzInput) -> CInt {
    let bytes = input
    guard let first = bytes.first else { return 0 }
    let file = Data(bytes.dropFirst())
    switch first % 4 {
    case 0:
        guard let whole = try? CSVImport.read(file, defaults: defaults) else { return 0 }
        check(whole)
        // The same table in pieces of a size the input picks.
        var table = CSVImport(defaults: defaults)
        let piece = Int(first / 4) + 1
        let all = Array(file)
        for start in stride(from: 0, to: all.count, by: piece) {
            try? table.feed(all[start..<min(start + piece, all.count)])
        }
        guard let pieces = try? table.finish() else { fatalError("the table read whole but not in pieces of \(piece)") }
        if pieces.targets.map(\.input.selectors) != whole.targets.map(\.input.selectors)
            || pieces.errors != whole.errors
        {
            fatalError("the table reads differently in pieces of \(piece)")
        }
    case 1, 2:
        // A JSON file streams: read in pieces, it reads as it does whole, or is refused alike.
        let format: InteropFormat = first % 4 == 1 ? .stix : .misp
        let whole = try? InteropImport.read(file, as: format, defaults: defaults)
        if let whole { check(whole) }
        var reader = InteropImport.reader(for: format, defaults: defaults)
        let piece = Int(first / 4) + 1
        let all = Array(file)
        let pieces = try? { () throws(InteropError) -> InteropImport in
            for start in stride(from: 0, to: all.count, by: piece) {
                try reader.feed(all[start..<min(start + piece, all.count)])
            }
            return try reader.finish()
        }()
        if pieces?.targets.map(\.input) != whole?.targets.map(\.input) || pieces?.errors != whole?.errors {
            fatalError("the \(format) file reads differently in pieces of \(piece)")
        }
        var sniffer = JSONFormatSniffer()
        _ = try? sniffer.feed(all)
    default:
        _ = try? STIXPattern.read(String(decoding: file, as: UTF8.self))
    }
    return 0
}
