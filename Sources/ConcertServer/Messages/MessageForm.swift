import ConcertCore
import ConcertMultipart
import Foundation
import Hummingbird

/// A file received with a message: encrypted in the staging folder, with the name and type
/// the sender gave.
struct ReceivedFile {
    var staged: StagedAttachment
    var fileName: String
    var mediaType: String
}

/// A message sent as `multipart/form-data`: the JSON of the message as the part `message` and
/// each file as a part `file`, read as it streams in. Files are hashed, encrypted and
/// written piece by piece; nothing is stored unless the whole form arrives.
struct MessageForm {
    var input: MessageInput
    var files: [ReceivedFile]

    private enum Part {
        case message
        case file(AttachmentUpload, fileName: String, mediaType: String)
    }

    /// How much of an oversized upload is still read (and dropped) so that the client can
    /// read the 413 answer instead of seeing its connection cut.
    static let drainAllowance = 64 << 20

    static func receive(_ request: Request, boundary: String, vault: AttachmentVault) async throws -> MessageForm {
        var reader = MultipartReader(boundary: boundary)
        var json = ByteBuffer()
        var sawMessage = false
        var current: Part?
        var files: [ReceivedFile] = []
        var pieces = request.body.makeAsyncIterator()
        do {
            while let piece = try await pieces.next() {
                try reader.read(piece) { event in
                    switch event {
                    case .partBegan(let headers):
                        current = try begin(headers, sawMessage: &sawMessage, fileCount: files.count, vault: vault)
                    case .content(let bytes):
                        switch current {
                        case .message?:
                            guard json.readableBytes + bytes.readableBytes <= maximumJSONBodySize else {
                                throw ProblemDetail(
                                    status: .contentTooLarge,
                                    detail:
                                        "The part 'message' is larger than the \(maximumJSONBodySize >> 20) MiB it may be."
                                )
                            }
                            var bytes = bytes
                            json.writeBuffer(&bytes)
                        case .file(let upload, _, _)?:
                            try upload.append(bytes)
                        case nil:
                            break
                        }
                    case .partEnded:
                        if case .file(let upload, let fileName, let mediaType)? = current {
                            files.append(
                                ReceivedFile(staged: try upload.finish(), fileName: fileName, mediaType: mediaType))
                        }
                        current = nil
                    }
                }
            }
            try reader.finish()
        } catch {
            if case .file(let upload, _, _)? = current { upload.discard() }
            for file in files { unlink(file.staged.path) }
            if case AttachmentError.tooLarge = error {
                // Read on (and drop) a bounded amount so that the client sees the answer.
                var drained = 0
                while drained < drainAllowance, let piece = try? await pieces.next() {
                    drained += piece.readableBytes
                }
                throw ProblemDetail(status: .contentTooLarge, detail: "\(error) Nothing was stored.")
            }
            throw error
        }
        guard sawMessage else {
            for file in files { unlink(file.staged.path) }
            throw ProblemDetail(
                status: .unprocessableContent,
                detail: "The form has no part 'message': send the message's JSON as the part 'message'.",
                field: "message")
        }
        do {
            guard json.readableBytes > 0 else {
                throw ProblemDetail(
                    status: .badRequest, detail: "The part 'message' is empty; send the message's JSON.")
            }
            return MessageForm(input: try decodeJSONDocument(as: MessageInput.self, from: json), files: files)
        } catch {
            for file in files { unlink(file.staged.path) }
            throw error
        }
    }

    private static func begin(
        _ headers: MultipartPartHeaders, sawMessage: inout Bool, fileCount: Int, vault: AttachmentVault
    ) throws -> Part {
        switch headers.name {
        case "message":
            guard !sawMessage else {
                throw ProblemDetail(status: .badRequest, detail: "The form has more than one part 'message'.")
            }
            sawMessage = true
            return .message
        case "file":
            guard fileCount < MessageController.maximumAttachments else {
                throw ProblemDetail(
                    status: .unprocessableContent,
                    detail: "A message carries at most \(MessageController.maximumAttachments) files.", field: "file")
            }
            return .file(
                try vault.beginUpload(), fileName: safeFileName(headers.fileName),
                mediaType: safeMediaType(headers.contentType))
        default:
            throw ProblemDetail(
                status: .unprocessableContent,
                detail: "The form has a part '\(headers.name)'; it takes one part 'message' and parts 'file'.",
                field: headers.name)
        }
    }

    /// The file's own name, without any folder, control characters or excess length.
    static func safeFileName(_ given: String?) -> String {
        let lastComponent = (given ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(
            lastComponent.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init)
        )
        .trimmingWhitespace()
        let name = cleaned == "." || cleaned == ".." ? "" : cleaned
        return name.isEmpty ? "attachment" : String(name.prefix(255))
    }

    /// A media type of the form `type/subtype`, or `application/octet-stream`.
    static func safeMediaType(_ given: String?) -> String {
        guard let given else { return "application/octet-stream" }
        let type = given.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let parts = type.split(separator: "/")
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$&-^_.+"))
        guard parts.count == 2, type.count <= 127,
            parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy { $0.isASCII && allowed.contains($0) } })
        else { return "application/octet-stream" }
        return type
    }
}
