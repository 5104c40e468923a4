import Foundation
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
}
