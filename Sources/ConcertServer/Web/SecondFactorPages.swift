import ConcertCore
import ConcertStorage
import Foundation
import Hummingbird

/// The page where a user sets up, sees and turns off their second factor.
extension WebController {
    struct CodeForm: Decodable {
        var code: String
    }

    struct ProofForm: Decodable {
        var password: String
        var code: String
    }

    func addSecondFactorRoutes(to router: Router<ConcertRequestContext>) {
        let controller = SecondFactorController(
            secondFactor: secondFactor, store: store, authenticator: authenticator, trustedProxies: trustedProxies)
        router.get("/account/second-factor") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            return try await secondFactorPage(for: user, context: context)
        }
        router.post("/account/second-factor/start") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            do {
                _ = try await secondFactor.begin(for: user)
            } catch let error as DomainError {
                return try await secondFactorPage(for: user, error: error.message, context: context)
            }
            return Response.redirect(to: "/account/second-factor", type: .found)
        }
        router.post("/account/second-factor/confirm") { request, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            let form = try? await Self.form(CodeForm.self, of: request)
            do {
                let (updated, codes) = try await secondFactor.confirm(for: user, code: form?.code ?? "")
                var values = try await secondFactorValues(for: updated)
                values["recoveryCodes"] = codes
                values["hasRecoveryCodes"] = true
                values["mustEnrol"] = false
                return try await page("second-factor", title: "Second factor", values: values, context: context)
            } catch let error as DomainError {
                var response = try await secondFactorPage(for: user, error: error.message, context: context)
                response.status = .unprocessableContent
                return response
            }
        }
        router.post("/account/second-factor/disable") { request, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            let form = try? await Self.form(ProofForm.self, of: request)
            do {
                try await controller.disable(
                    for: user, password: form?.password ?? "", code: form?.code ?? "",
                    address: context.clientAddress(of: request, trustedProxies: trustedProxies))
            } catch let error as DomainError {
                var response = try await secondFactorPage(for: user, error: error.message, context: context)
                response.status = .unprocessableContent
                return response
            }
            return Response.redirect(to: "/account/second-factor", type: .found)
        }
    }

    /// The page where a user sees their sessions and ends any of them.
    func addSessionRoutes(to router: Router<ConcertRequestContext>) {
        router.get("/account/sessions") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            let sessions = try await store.sessions(userId: user.id, now: Date())
            let rows: [[String: Any]] = sessions.map { session in
                [
                    "id": session.id, "createdAt": Wording.utc(session.createdAt),
                    "lastSeenAt": Wording.utc(session.lastSeenAt), "address": session.address ?? "unknown",
                    "client": session.client.map { String($0.prefix(80)) } ?? "unknown",
                    "current": session.tokenHash == context.sessionTokenHash,
                ]
            }
            return try await page(
                "sessions", title: "Your sessions",
                values: [
                    "sessions": rows, "idleMinutes": Int(authenticator.sessionIdleTimeout / 60),
                    "lifetimeHours": Int(authenticator.sessionLifetime / 3600),
                ], context: context)
        }
        router.post("/account/sessions/:sessionId/end") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/login") }
            let id = try context.parameters.require("sessionId")
            let sessions = try await store.sessions(userId: user.id, now: Date())
            guard let session = sessions.first(where: { $0.id == id }) else {
                throw ProblemDetail(status: .notFound, detail: "You have no such session (it may have ended already).")
            }
            _ = try await store.deleteSession(id: id, userId: user.id)
            return Response.redirect(to: session.tokenHash == context.sessionTokenHash ? "/login" : "/account/sessions")
        }
    }

    static func form<Form: Decodable>(_ type: Form.Type, of request: Request) async throws -> Form {
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: buffer))
    }

    private func secondFactorValues(for user: User) async throws -> [String: Any] {
        let stored = try await store.secondFactor(userId: user.id)
        let required = await secondFactor.isRequired(for: user)
        var values: [String: Any] = [
            "enabled": user.secondFactorSince != nil, "required": required,
            "requiredBy": secondFactor.requiredEverywhere ? "This installation" : "Your agency",
            "mustEnrol": required && user.secondFactorSince == nil,
        ]
        if let since = user.secondFactorSince { values["since"] = Wording.utc(since) }
        if stored?.isConfirmed == true { values["recoveryLeft"] = stored!.recoveryCodesLeft }
        if user.secondFactorSince == nil, let enrolment = try await secondFactor.pendingEnrolment(of: user) {
            values["pending"] = true
            values["qrCode"] = enrolment.qrCode
            values["secret"] = enrolment.secret
        } else if user.secondFactorSince == nil {
            values["offerStart"] = true
        }
        return values
    }

    private func secondFactorPage(
        for user: User, error: String? = nil, context: ConcertRequestContext
    ) async throws -> Response {
        var values = try await secondFactorValues(for: user)
        if let error { values["error"] = error }
        return try await page("second-factor", title: "Second factor", values: values, context: context)
    }
}
