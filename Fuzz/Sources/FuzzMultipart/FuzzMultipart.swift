import ConcertMultipart
import FuzzDriver
import NIOCore

/// A `multipart/form-data` body of arbitrary bytes, read in pieces of arbitrary sizes (the first
/// byte says how big): a `MultipartError` or its parts, never a crash; and the same body read
/// in one piece tells the same parts.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzMultipart(FuzzInput(start: data, count: data == nil ? 0 : size))
}

@_cdecl("FuzzMultipart_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, testOneInput)
}

func fuzzMultipart(_ input: FuzzInput) -> CInt {
    let bytes = Array(input)
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let pieceSize = Int(first % 64) + 1
    let inPieces = events(of: body, pieceSize: pieceSize)
    let whole = events(of: body, pieceSize: max(1, body.count))
    if inPieces != whole {
        fatalError("pieces of \(pieceSize) bytes read \(inPieces), the whole body \(whole)")
    }
    return 0
}

/// What the reader tells of `body`: the parts' headers and contents, or its error.
func events(of body: [UInt8], pieceSize: Int) -> [String] {
    var reader = MultipartReader(boundary: "concertfuzz")
    var told: [String] = []
    var content: [UInt8] = []
    do {
        var start = 0
        while start < body.count {
            let end = min(body.count, start + pieceSize)
            try reader.read(ByteBuffer(bytes: body[start..<end])) { event in
                switch event {
                case .partBegan(let headers): told.append("part \(headers)")
                case .content(let buffer): content += buffer.readableBytesView
                case .partEnded:
                    told.append("content \(content)")
                    content = []
                }
            }
            start = end
        }
        try reader.finish()
    } catch let error as MultipartError {
        told.append("error \(error.detail)")
    } catch {
        told.append("other error \(error)")
    }
    return told
}
