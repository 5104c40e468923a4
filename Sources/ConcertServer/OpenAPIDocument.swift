import Foundation

/// The OpenAPI 3.1 document of the REST API: `Resources/openapi.json`, served as it is at
/// `/api/v1/openapi.json`.
///
/// A test compares its paths and methods with the router's, so a route cannot be added
/// without describing it there, nor described without existing; `scripts/check-api` validates
/// it and fuzzes every route it describes.
enum OpenAPIDocument {
    /// The document's bytes, read once, when the router is built: a build without the file
    /// stops the server at its start rather than at the first request for it.
    static let json: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            fatalError("ConcertServer's resource openapi.json is missing: the build is incomplete.")
        }
        return text
    }()
}

extension OpenAPIDocument {
    /// The methods each path of the document takes (upper case), its parameters as `{name}`:
    /// what a request whose method no route takes is told it may use instead.
    static let methodsByPath: [(segments: [Substring], methods: [String])] = {
        guard let document = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { return [] }
        let methods = ["get", "put", "post", "delete", "patch"]
        return paths.keys.sorted().map { path in
            (path.split(separator: "/"), methods.filter { paths[path]![$0] != nil }.map { $0.uppercased() })
        }
    }()

    /// The methods the document lets `path` be asked with; empty for a path it does not describe.
    static func methods(takenBy path: String) -> [String] {
        let segments = path.prefix { $0 != "?" }.split(separator: "/")
        for (pattern, methods) in methodsByPath where pattern.count == segments.count {
            if zip(pattern, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return methods }
        }
        return []
    }
}
