import ConcertCore
import Foundation
import Hummingbird

/// The largest JSON body the API reads (1 MiB): a target with a thousand selectors fits.
let maximumJSONBodySize = 1 << 20

extension Request {
    /// Reads and decodes the JSON body, turning every failure into a problem a person understands.
    func decodeJSON<T: Decodable>(
        as type: T.Type, context: ConcertRequestContext, limit: Int = maximumJSONBodySize
    ) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw ProblemDetail(status: .unsupportedMediaType, detail: "Send the body as application/json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw ProblemDetail(
                status: .contentTooLarge,
                detail: "The request body is larger than the \(limit >> 20) MiB this route accepts.")
        }
        guard buffer.readableBytes > 0 else {
            throw ProblemDetail(status: .badRequest, detail: "The request has no body; send a JSON object.")
        }
        return try decodeJSONDocument(as: type, from: buffer)
    }
}

/// Decodes a JSON document (a body, or a part of a form), turning every failure into a
/// problem a person understands.
func decodeJSONDocument<T: Decodable>(as type: T.Type, from buffer: ByteBuffer) throws -> T {
    let data = Data(buffer: buffer)
    if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil {
        throw ProblemDetail(status: .badRequest, detail: "The body is not valid JSON.")
    }
    do {
        return try ConcertJSON.makeDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        throw ProblemDetail.describe(error)
    }
}

extension Response {
    /// A JSON response of an encodable value.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        rawJSON(try ConcertJSON.encodeToString(value), status: status)
    }

    /// A JSON response from text that is already JSON.
    static func rawJSON(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `{"items": […]}` around a JSON array that is already encoded, written straight into
    /// the response buffer; with `next`, a page: `"next"` is that id (which no character of needs
    /// escaping), or null.
    static func items(jsonArray: Data, next: String?? = .none) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(jsonArray.count + 64)
        buffer.writeString(#"{"items":"#)
        buffer.writeBytes(jsonArray)
        // A page says where the next one starts, or null on the last.
        if case .some(let next) = next {
            buffer.writeString(#","next":"#)
            buffer.writeString(next.map { #"""# + $0 + #"""# } ?? "null")
        }
        buffer.writeString("}")
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
    }

    /// `{"items": […]}` of encodable values.
    static func items<T: Encodable>(_ items: [T]) throws -> Response {
        try json(ItemList(items: items))
    }

    /// `{"items": […], "next": …}`: one page of a list.
    static func page<T: Encodable>(_ items: [T], next: String?) throws -> Response {
        try json(Page(items: items, next: next))
    }
}

/// The shape of every list the API answers.
struct ItemList<Item: Encodable>: Encodable {
    var items: [Item]
}

extension Parameters {
    /// A path parameter that names a record, or a 404 when it cannot be an id.
    func requireIdentifier(_ name: String) throws -> String {
        guard let value = self.get(name), Identifier.isPlausible(value) else {
            throw ProblemDetail(status: .notFound, detail: "No record has that id.")
        }
        return value
    }
}
