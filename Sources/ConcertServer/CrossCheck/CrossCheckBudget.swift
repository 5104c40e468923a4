import ConcertCore
import Foundation
import Synchronization

/// How many selectors check before sharing may take, per user and per agency, in a sliding
/// window: an installation's defaults, with overrides for named agencies.
public struct CrossCheckBudgetSettings: Sendable, Equatable {
    /// The window the budgets count in.
    public var window: TimeInterval
    /// Selectors one user may check in the window.
    public var perUser: Int
    /// Selectors the users of one agency may check together in the window.
    public var perAgency: Int
    /// An agency's own budget, by agency id, in place of `perAgency`.
    public var agencyOverrides: [String: Int]

    /// Creates settings. The defaults let an investigator check a whole seized server list
    /// (10,000 selectors, the most one request takes) twice an hour, and an agency ten times
    /// that; a sweep of the address space would take months and announce itself to every holder.
    public init(
        window: TimeInterval = 3600, perUser: Int = 20_000, perAgency: Int = 100_000,
        agencyOverrides: [String: Int] = [:]
    ) {
        self.window = window
        self.perUser = perUser
        self.perAgency = perAgency
        self.agencyOverrides = agencyOverrides
    }

    /// The budget of an agency.
    public func limit(ofAgency agencyId: String) -> Int {
        agencyOverrides[agencyId] ?? perAgency
    }
}

/// The budgets of check before sharing on this server: a request must fit both its user's and
/// its agency's, or it spends nothing and is answered 429 with `Retry-After`.
final class CrossCheckBudget: Sendable {
    let settings: CrossCheckBudgetSettings
    /// The users' and agencies' spending, as `user:ID` and `agency:ID`.
    private let budget: Mutex<SlidingWindowBudget>
    /// Each user's last previewed import: its selectors' keys, and when. The import that follows
    /// the preview spends only what the preview did not, so that one file counts once.
    private let previews = Mutex<[String: (at: Date, keys: Set<String>)]>([:])

    init(settings: CrossCheckBudgetSettings) {
        self.settings = settings
        budget = Mutex(SlidingWindowBudget(window: settings.window))
    }

    /// Spends `selectors` of the actor's and its agency's budgets, or throws the problem to answer.
    func spend(_ selectors: Int, by actor: Actor, now: Date = Date()) throws {
        let userLimit = settings.perUser
        let agencyLimit = settings.limit(ofAgency: actor.agencyId)
        guard selectors <= min(userLimit, agencyLimit) else {
            throw DomainError.invalid(
                "This request has \(selectors) selectors, more than the \(min(userLimit, agencyLimit)) your budget of checked and recorded selectors allows in \(Self.words(settings.window)); split the list.",
                field: "selectors")
        }
        let decision = budget.withLock {
            $0.spend(
                selectors,
                from: [
                    .init(key: "user:\(actor.userId)", limit: userLimit),
                    .init(key: "agency:\(actor.agencyId)", limit: agencyLimit),
                ], now: now)
        }
        if case .refused(let wait, _) = decision {
            throw ProblemDetail.tooManyRequests(
                "You or your agency have checked or recorded as many selectors as the budget allows in \(Self.words(settings.window)). Try again in \(max(1, Int(wait.rounded(.up)))) seconds.",
                retryAfter: wait)
        }
    }

    /// The key a selector counts under: its kind and what it matches.
    static func key(of selector: Selector) -> String {
        "\(selector.kind.rawValue)|\(selector.matchKey)|\(selector.dateOfBirth ?? "")"
    }

    /// Remembers the selectors a user's preview checked (and spent), for the import that follows.
    func rememberPreview(of selectors: [Selector], by actor: Actor, now: Date = Date()) {
        let keys = Set(selectors.map(Self.key))
        let window = settings.window
        previews.withLock { previews in
            previews = previews.filter { now.timeIntervalSince($0.value.at) < window }
            previews[actor.userId] = (now, keys)
        }
    }

    /// How many of `selectors` the user's last preview, within the window, did not check: what
    /// recording them spends.
    func unpreviewed(_ selectors: [Selector], by actor: Actor, now: Date = Date()) -> Int {
        let window = settings.window
        guard
            let preview = previews.withLock({ $0[actor.userId] }),
            now.timeIntervalSince(preview.at) < window
        else { return selectors.count }
        return selectors.filter { !preview.keys.contains(Self.key(of: $0)) }.count
    }

    static func words(_ window: TimeInterval) -> String {
        window >= 3600 && window.truncatingRemainder(dividingBy: 3600) == 0
            ? (window == 3600 ? "an hour" : "\(Int(window / 3600)) hours")
            : "\(Int(window)) seconds"
    }
}
