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

    /// The largest STIX or MISP body the API reads: it is parsed whole, and a JSON file of many
    /// small objects takes many times its size in memory. Larger files go through
    /// `concert import`.
    static let jsonBodyLimit = 16 << 20
    /// The largest table the API reads; it is read as it arrives, a piece at a time.
    static let tableBodyLimit = 64 << 20

    /// What a request's body is.
    enum Body {
        /// Concert's own `{"targets": […]}`.
        case concert(ByteBuffer)
        case json(InteropFormat, Data)
        case csv
    }

    /// Tells the format from the media type, and for `application/json` from the body.
    static func body(of request: inout Request) async throws -> Body {
        let mediaType = request.headers[.contentType].map {
            $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        }
        switch mediaType {
        case "text/csv", "application/csv", "text/tab-separated-values":
            return .csv
        case "application/stix+json":
            return .json(.stix, Data(buffer: try await collect(&request)))
        case nil, "application/json":
            let buffer = try await collect(&request)
            let data = Data(buffer: buffer)
            guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw ProblemDetail(status: .badRequest, detail: "The body is not valid JSON.")
            }
            if let object = json as? [String: Any] {
                if object["targets"] != nil { return .concert(buffer) }
                if object["Event"] != nil || object["response"] != nil { return .json(.misp, data) }
                if object["type"] as? String == "bundle" { return .json(.stix, data) }
            } else if let list = json as? [Any], let first = list.first as? [String: Any], first["Event"] != nil {
                return .json(.misp, data)
            }
            throw ProblemDetail(
                status: .unprocessableContent,
                detail:
                    "The body is valid JSON but holds no targets Concert reads: Concert's {\"targets\": […]}, a MISP event {\"Event\": …} (or a list of them) or a STIX bundle {\"type\": \"bundle\", …} was expected."
            )
        default:
            throw ProblemDetail(
                status: .unsupportedMediaType,
                detail:
                    "Send a STIX 2.1 bundle as application/stix+json, a MISP event or Concert's targets as application/json, or a table as text/csv."
            )
        }
    }

    private static func collect(_ request: inout Request) async throws -> ByteBuffer {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: jsonBodyLimit)
        } catch {
            throw ProblemDetail(
                status: .contentTooLarge,
                detail:
                    "The file is larger than the \(jsonBodyLimit >> 20) MiB the API reads; import it with `concert import`."
            )
        }
        guard buffer.readableBytes > 0 else {
            throw ProblemDetail(status: .badRequest, detail: "The request has no body; send the file.")
        }
        return buffer
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

    /// Reads a table as it arrives, refusing it once it holds more targets than an import may.
    static func readTable(_ request: Request, defaults: ImportDefaults) async throws -> InteropImport {
        var table = CSVImport(options: try csvOptions(request), defaults: defaults)
        var read = 0
        do {
            for try await buffer in request.body {
                read += buffer.readableBytes
                guard read <= tableBodyLimit else {
                    throw ProblemDetail(
                        status: .contentTooLarge,
                        detail:
                            "The table is larger than the \(tableBodyLimit >> 20) MiB the API reads; import it with `concert import`."
                    )
                }
                try table.feed(buffer.readableBytesView)
                try TargetController.checkImportSize(max(1, table.targetCount))
            }
            return try table.finish()
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
        case .csv: read = try await Self.readTable(request, defaults: defaults)
        case .json(let format, let data):
            switch Result(catching: { () throws(InteropError) in
                try InteropImport.read(data, as: format, defaults: defaults)
            }) {
            case .success(let file): read = file
            case .failure(let error): throw ProblemDetail(status: .unprocessableContent, detail: error.description)
            }
        }
        let plan = try await interop.importFile(read, into: operationId, by: actor, dryRun: dryRun)
        let wrote = !dryRun && plan.created + plan.updated > 0
        return try Response.json(plan, status: wrote ? .created : .ok)
    }
}
