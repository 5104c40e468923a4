import ConcertCore
import ConcertInterop
import ConcertStorage
import Foundation
import Hummingbird
import NIOCore

/// `POST …/targets/import` with a partner's format: a STIX 2.1 bundle
/// (`application/stix+json`), a MISP event (`application/json` holding `{"Event": …}`) or a
/// table (`text/csv`). The query says what the file does not: `handling`
/// (and `handlingRestriction` with H3), `evaluation`, and for a table `separator` and
/// `column=HEADER:ROLE`; `dryRun=true` answers what would be done and writes nothing.
struct InteropImportRoute {
    let interop: InteropService

    /// The largest body of Concert's own JSON the API reads: it is parsed whole.
    static let jsonBodyLimit = 16 << 20
    /// The largest STIX bundle, MISP file or table the API reads: they are read as they arrive,
    /// a piece at a time, and never held whole. Larger files go through `concert import`.
    static let streamedBodyLimit = 64 << 20

    /// What a request's body is.
    enum Body {
        /// Concert's own `{"targets": […]}`.
        case concert(ByteBuffer)
        /// A partner's file: what has been read of it, and the rest to read.
        case file(InteropFormat, ByteBuffer, RequestBody.AsyncIterator)
    }

    /// Tells the format from the media type, and for `application/json` from the body's first
    /// members.
    static func body(of request: inout Request) async throws -> Body {
        let mediaType = request.headers[.contentType].map {
            $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        }
        var rest = request.body.makeAsyncIterator()
        switch mediaType {
        case "text/csv", "application/csv", "text/tab-separated-values":
            return .file(.csv, ByteBuffer(), rest)
        case "application/stix+json":
            return .file(.stix, ByteBuffer(), rest)
        case nil, "application/json":
            var sniffer = JSONFormatSniffer()
            var read = ByteBuffer()
            var guess = JSONFormatSniffer.Guess.undecided
            var seen = 0
            do {
                while guess == .undecided {
                    guard var next = try await rest.next() else {
                        guess = try sniffer.finish()
                        break
                    }
                    seen += next.readableBytes
                    guess = try sniffer.feed(next.readableBytesView)
                    read.writeBuffer(&next)
                    guard read.readableBytes <= jsonBodyLimit || guess != .undecided && guess != .concert else {
                        throw tooLarge(jsonBodyLimit)
                    }
                }
            } catch let error as InteropError {
                guard seen > 0 else {
                    throw ProblemDetail(status: .badRequest, detail: "The request has no body; send the file.")
                }
                // A value too large to be read whole is a body larger than the API reads whole.
                guard seen <= jsonBodyLimit else { throw tooLarge(jsonBodyLimit) }
                throw ProblemDetail(status: .badRequest, detail: error.message)
            }
            switch guess {
            case .concert:
                while var next = try await rest.next() {
                    read.writeBuffer(&next)
                    guard read.readableBytes <= jsonBodyLimit else { throw tooLarge(jsonBodyLimit) }
                }
                return .concert(read)
            case .format(let format): return .file(format, read, rest)
            case .other(let words): throw ProblemDetail(status: .unprocessableContent, detail: words)
            case .undecided: preconditionFailure("the sniffer decides at the end of the body")
            }
        default:
            throw ProblemDetail(
                status: .unsupportedMediaType,
                detail:
                    "Send a STIX 2.1 bundle as application/stix+json, a MISP event or Concert's targets as application/json, or a table as text/csv."
            )
        }
    }

    private static func tooLarge(_ limit: Int) -> ProblemDetail {
        ProblemDetail(
            status: .contentTooLarge,
            detail: "The file is larger than the \(limit >> 20) MiB the API reads; import it with `concert import`.")
    }

    /// What the importer says for what the file does not.
    static func defaults(_ parameter: (String) -> String?) throws -> ImportDefaults {
        let handling = try PageQuery.choice("handling", parameter, as: HandlingCode.self) ?? .h2
        let evaluation: Evaluation
        if let code = parameter("evaluation") {
            guard let given = Evaluation(code: code) else {
                throw PageQuery.bad("'evaluation' is a letter A, B, C or X and a digit 1 to 4, such as B2.")
            }
            evaluation = given
        } else {
            evaluation = Evaluation(source: .x, information: .four)
        }
        let restriction = parameter("handlingRestriction")
        if handling == .h3, (restriction ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw PageQuery.bad("With 'handling=H3', say the restriction in words in 'handlingRestriction'.")
        }
        return ImportDefaults(handling: handling, handlingRestriction: restriction, evaluation: evaluation)
    }

    /// A table's separator and column roles, from `separator=comma|semicolon|tab` and
    /// `column=HEADER:ROLE` (or `column=3:ip`, by number from 1).
    static func csvOptions(_ request: Request) throws -> CSVOptions {
        let parameters = request.uri.queryParameters
        var options: CSVOptions
        switch Result(catching: { () throws(InteropError) in
            try CSVOptions(
                separatorName: parameters.get("separator").map { String($0) },
                columns: parameters.getAll("column").map { String($0) })
        }) {
        case .success(let read): options = read
        case .failure(let error): throw PageQuery.bad(error.message)
        }
        if request.headers[.contentType]?.lowercased().hasPrefix("text/tab-separated-values") == true {
            options.separator = 0x09
        }
        return options
    }

    /// Reads a file as it arrives, refusing it once it is larger than the API reads or a table
    /// holds more targets than an import may.
    static func readFile(
        _ format: InteropFormat, read first: ByteBuffer, rest: RequestBody.AsyncIterator, request: Request,
        defaults: ImportDefaults
    ) async throws -> InteropImport {
        var reader = InteropImport.reader(
            for: format, defaults: defaults, csv: format == .csv ? try csvOptions(request) : CSVOptions(),
            limit: TargetController.maximumImport)
        var rest = rest
        var read = first.readableBytes
        do {
            if read > 0 { try reader.feed(first.readableBytesView) }
            while let buffer = try await rest.next() {
                read += buffer.readableBytes
                guard read <= streamedBodyLimit else { throw tooLarge(streamedBodyLimit) }
                try reader.feed(buffer.readableBytesView)
                if let table = reader as? CSVImport { try TargetController.checkImportSize(max(1, table.targetCount)) }
            }
            guard read > 0 else {
                throw ProblemDetail(status: .badRequest, detail: "The request has no body; send the file.")
            }
            return try reader.finish()
        } catch let error as InteropError {
            throw ProblemDetail(status: .unprocessableContent, detail: error.description)
        }
    }

    func handle(
        _ body: Body, request: Request, operationId: String, by actor: Actor, dryRun: Bool
    ) async throws -> Response {
        let parameters = request.uri.queryParameters
        let defaults = try Self.defaults { parameters.get($0).map { String($0) } }
        let read: InteropImport
        switch body {
        case .concert: preconditionFailure("Concert's JSON goes the way of the targets route")
        case .file(let format, let first, let rest):
            read = try await Self.readFile(format, read: first, rest: rest, request: request, defaults: defaults)
        }
        let plan = try await interop.importFile(read, into: operationId, by: actor, dryRun: dryRun)
        let wrote = !dryRun && plan.created + plan.updated > 0
        return try Response.json(plan, status: wrote ? .created : .ok)
    }
}
