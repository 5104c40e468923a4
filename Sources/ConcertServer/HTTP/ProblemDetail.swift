import ConcertCore
import ConcertInterop
import ConcertMultipart
import ConcertStorage
import Foundation
import Hummingbird
import Logging

/// An RFC 9457 problem detail: the body of every error response.
public struct ProblemDetail: Error, HTTPResponseError, Codable, Sendable {
    /// A URI naming the problem type; `about:blank` means the status says it all.
    public var type: String
    /// The status's reason phrase.
    public var title: String
    /// The HTTP status code.
    public var statusCode: Int
    /// A sentence for a person about this occurrence.
    public var detail: String
    /// The request field concerned, as a JSON path, when there is one.
    public var field: String?
    /// For 429: how many seconds to wait before trying again, sent as `Retry-After` too.
    public var retryAfter: Int?
    /// For a refused import: every error of the file, each with its place.
    public var errors: [ImportNote]?

    /// The HTTP status.
    public var status: HTTPResponse.Status { .init(code: statusCode) }

    enum CodingKeys: String, CodingKey {
        case type, title, detail, field, retryAfter, errors
        case statusCode = "status"
    }

    /// Creates a problem.
    public init(status: HTTPResponse.Status, detail: String, field: String? = nil, retryAfter: Int? = nil) {
        self.type = "about:blank"
        self.title = status.reasonPhrase
        self.statusCode = status.code
        self.detail = detail
        self.field = field
        self.retryAfter = retryAfter
    }

    /// A 429: the caller must wait `seconds` (at least one) before trying again.
    public static func tooManyRequests(_ detail: String, retryAfter seconds: Double) -> ProblemDetail {
        ProblemDetail(status: .tooManyRequests, detail: detail, retryAfter: max(1, Int(seconds.rounded(.up))))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if statusCode == 401 { headers[.wwwAuthenticate] = #"Bearer realm="concert""# }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = (try? ConcertJSON.encodeToString(self)) ?? #"{"status":\#(statusCode)}"#
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The problem that stands for any error a handler throws; unknown errors become a 500
    /// that says nothing of their inside.
    static func from(_ error: any Error, logger: Logger) -> ProblemDetail {
        switch error {
        case let problem as ProblemDetail:
            return problem
        case let error as DomainError:
            return ProblemDetail(
                status: error.kind == .conflict ? .conflict : .unprocessableContent, detail: error.message,
                field: error.field)
        case let denial as AccessDenial:
            switch denial {
            case .hidden(let message): return ProblemDetail(status: .notFound, detail: message)
            case .forbidden(let message): return ProblemDetail(status: .forbidden, detail: message)
            }
        case let error as StoreError:
            switch error {
            case .notFound(let message): return ProblemDetail(status: .notFound, detail: message)
            case .duplicate(let message): return ProblemDetail(status: .conflict, detail: message)
            case .damaged(let message):
                logger.error("The store is damaged: \(message)")
                return ProblemDetail(status: .internalServerError, detail: message)
            }
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge:
                return ProblemDetail(
                    status: .contentTooLarge, detail: "The request body is larger than this route accepts.")
            case .notFound:
                return ProblemDetail(status: .notFound, detail: error.body ?? "There is nothing at this address.")
            case .methodNotAllowed:
                return ProblemDetail(status: .methodNotAllowed, detail: "This address does not accept that method.")
            default:
                return ProblemDetail(status: error.status, detail: error.body ?? error.status.reasonPhrase)
            }
        case let error as MultipartError:
            return ProblemDetail(status: .badRequest, detail: error.detail)
        case let error as any HTTPResponseError where error.status.code < 500:
            return ProblemDetail(status: error.status, detail: error.status.reasonPhrase)
        default:
            logger.error("Unexpected error: \(String(reflecting: error))")
            return ProblemDetail(
                status: .internalServerError,
                detail: "Concert could not complete the request; the error was logged for the operator.")
        }
    }

    /// A decoding failure in words: which field, and what was wrong with it.
    static func describe(_ error: DecodingError) -> ProblemDetail {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in codingPath + (last.map { [$0] } ?? []) {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text
        }
        func typeName(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: "a string"
            case is Int.Type, is Int64.Type: "a whole number"
            case is Double.Type: "a number"
            case is Bool.Type: "true or false"
            case is [Any].Type: "a list"
            default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath, key)
            return ProblemDetail(
                status: .unprocessableContent, detail: "The field '\(field)' is missing.", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return ProblemDetail(status: .unprocessableContent, detail: "The body must be \(typeName(type)).")
            }
            return ProblemDetail(
                status: .unprocessableContent, detail: "The field '\(field)' must be \(typeName(type)).", field: field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return ProblemDetail(
                status: .unprocessableContent, detail: "The field '\(field)' must be \(typeName(type)), not null.",
                field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return ProblemDetail(status: .badRequest, detail: "The body is not valid JSON.")
            }
            return ProblemDetail(
                status: .unprocessableContent, detail: "The field '\(field)' is not valid: \(context.debugDescription)",
                field: field)
        @unknown default:
            return ProblemDetail(status: .badRequest, detail: "The body could not be read.")
        }
    }
}

/// Turns every error thrown below it into a problem-detail response, so that no client
/// ever sees a bare error or a stack trace.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ConcertRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // No route took the request: a path the API describes, asked with a method it does
            // not take, is told so (405, with the methods it takes), not that it does not exist.
            let allowed = OpenAPIDocument.methods(takenBy: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else {
                return try ProblemDetail.from(error, logger: context.logger).response(from: request, context: context)
            }
            var response = try ProblemDetail(
                status: .methodNotAllowed,
                detail: "This address takes \(allowed.joined(separator: ", ")), not \(request.method.rawValue)."
            ).response(from: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        } catch {
            let problem = ProblemDetail.from(error, logger: context.logger)
            return try problem.response(from: request, context: context)
        }
    }
}
