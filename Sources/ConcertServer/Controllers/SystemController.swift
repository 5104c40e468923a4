import ConcertCore
import Hummingbird

/// Health and the API description: the routes anyone may call.
struct SystemController {
    func addRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/api/v1/health") { _, _ in
            Response.rawJSON(#"{"status":"ok"}"#)
        }
        let document = OpenAPIDocument.json
        router.get("/api/v1/openapi.json") { _, _ in
            Response.rawJSON(document)
        }
    }
}
