import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("the document describes exactly the router's API routes")
    func matchesRouter() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        let response = try await world.withClient { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get)
        }
        let document = response.object
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        let routes = try await AccessMatrixTests.routerRoutes()
        #expect(routes.subtracting(documented).isEmpty, "undocumented routes: \(routes.subtracting(documented))")
        #expect(documented.subtracting(routes).isEmpty, "documented but missing: \(documented.subtracting(routes))")
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let text = String(data: try JSONSerialization.data(withJSONObject: document), encoding: .utf8)!
        for reference in text.matches(of: /#\/components\/schemas\/(\w+)/) {
            #expect(schemas[String(reference.1)] != nil, "dangling reference \(reference.0)")
        }
    }

    @Test("a described path asked with a method it does not take answers 405 with the methods it takes")
    func methodNotAllowed() async throws {
        let world = try await TestWorld.make()
        defer { world.remove() }
        try await world.withClient { client in
            let headers = TestWorld.headers(.leadCoordinator)
            let agencies = try await client.execute(uri: "/api/v1/agencies", method: .trace, headers: headers)
            #expect(agencies.status == .methodNotAllowed)
            #expect(agencies.headers[.allow] == "GET, POST")
            #expect(agencies.headers[.contentType] == "application/problem+json")
            #expect(agencies.text.contains("takes GET, POST, not TRACE"))
            let check = try await client.execute(uri: "/api/v1/crosscheck", method: .get, headers: headers)
            #expect(check.status == .methodNotAllowed && check.headers[.allow] == "POST")
            let target = try await client.execute(
                uri: "/api/v1/operations/\(world.operation.id)/targets/some-id?x=1", method: .post, headers: headers)
            #expect(target.status == .methodNotAllowed, "\(target.text)")
            // Anonymous callers and observers learn no more than the public document says.
            for persona in [Persona?.none, .observer] {
                let refused = try await client.execute(
                    uri: "/api/v1/operations/\(world.operation.id)/targets", method: .patch,
                    headers: persona.map { TestWorld.headers($0) } ?? [:])
                #expect(refused.status == .methodNotAllowed && refused.headers[.allow] == "GET, POST")
                #expect(!refused.text.contains(world.operation.codeName), "\(refused.text)")
            }
            // What does not exist still does not, with either method.
            for (uri, method) in [
                ("/api/v1/nothing-here", HTTPRequest.Method.get), ("/api/v1/operations/no-such-operation", .get),
                ("/api/v1/operations/a/b/c/d/e", .trace),
            ] {
                let missing = try await client.execute(uri: uri, method: method, headers: headers)
                #expect(missing.status == .notFound, "\(method) \(uri): \(missing.text)")
            }
        }
    }
}
