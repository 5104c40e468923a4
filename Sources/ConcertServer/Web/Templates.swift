import ConcertCore
import Mustache

/// The server-rendered pages' templates. They escape every value (`{{…}}`) except the
/// already-rendered page body in the layout.
enum Templates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let all = sources.merging(workspaceSources, uniquingKeysWith: { first, _ in first })
            .merging(exhibitSources, uniquingKeysWith: { first, _ in first })
        MustacheContentTypes.register(ScalarHTML(), named: ScalarHTML.name)
        for (name, text) in all {
            // The templates are fixed text tested at every build; a parse error is a programming error.
            try! library.register(
                MustacheTemplate(string: "{{% CONTENT_TYPE: \(ScalarHTML.name)}}" + text), named: name)
        }
        return library
    }()

    /// HTML escaping of every value the templates write, scalar by scalar: the engine's own
    /// escapes Characters, and a quote followed by a combining mark is no quote to it.
    struct ScalarHTML: MustacheContentType {
        static let name = "CONCERT_HTML"

        func escapeText(_ text: String) -> String { SitrepDocument.escapeHTML(text) }
    }

    static let sources: [String: String] = [
        "layout": """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Concert</title>
        <link rel="stylesheet" href="/static/concert.css">
        </head>
        <body>
        <header class="top">
          <a class="brand" href="/operations">Concert</a>
          {{#signedIn}}
          <nav aria-label="Main">
            <a href="/operations">Operations</a>
            {{#mayCheck}}<a href="/hits">Hits</a> <a href="/check">Check before sharing</a>{{/mayCheck}}
            {{#mayAdminister}}<a href="/admin">Administration</a>{{/mayAdminister}}
          </nav>
          <span class="who">{{userName}} · {{agencyName}} ({{agencyCountry}}) · {{role}} · <a href="/account/second-factor">Second factor</a> · <a href="/account/sessions">Sessions</a></span>
          <form method="post" action="/logout"><button type="submit">Sign out</button></form>
          {{/signedIn}}
        </header>
        <main>
        {{{content}}}
        </main>
        <script src="/static/concert.js"></script>
        </body>
        </html>
        """,
        "login": """
        <section class="card narrow">
          <h1>Sign in</h1>
          <p class="muted">Concert coordinates multinational takedown operations. Use the account your agency gave you.</p>
          {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
          <form method="post" action="/login">
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="username" required value="{{username}}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <label for="code">Code from your authenticator app <span class="muted">(if your account has one)</span></label>
            <input id="code" name="code" autocomplete="off" inputmode="numeric" maxlength="24" spellcheck="false"{{#codeNeeded}} autofocus aria-describedby="code-help"{{/codeNeeded}}>
            {{#codeNeeded}}<p id="code-help" class="muted">Six digits, new every 30 seconds; or one of your recovery codes.</p>{{/codeNeeded}}
            <button type="submit" class="primary">Sign in</button>
          </form>
        </section>
        """,
        "second-factor": """
        <section class="card narrow">
          <h1>Second factor</h1>
          {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
          {{#mustEnrol}}<p class="notice" role="status">{{requiredBy}} requires a second factor: set it up before you go on.</p>{{/mustEnrol}}
          {{^hasRecoveryCodes}}
          {{#enabled}}
          <p>You sign in with a code from your authenticator app since {{since}} UTC. <strong>{{recoveryLeft}}</strong> of your recovery codes are unused.</p>
          {{^required}}
          <form method="post" action="/account/second-factor/disable">
            <p>To turn it off, type your password and a code from your app (or a recovery code).</p>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <label for="code">Code</label>
            <input id="code" name="code" autocomplete="off" inputmode="numeric" required maxlength="24" spellcheck="false">
            <button type="submit">Turn the second factor off</button>
          </form>
          {{/required}}
          {{#required}}<p class="muted">{{requiredBy}} requires it: it cannot be turned off. If you lose your device, use a recovery code, then ask the server's administrator to reset it.</p>{{/required}}
          {{/enabled}}
          {{/hasRecoveryCodes}}
          {{#hasRecoveryCodes}}
          <p class="notice" role="status">Your second factor is on: from now on, signing in takes the code your app shows.</p>
          <h2>Your recovery codes</h2>
          <p>Each signs you in once without your app. Keep them somewhere safe, away from your device: <strong>they are shown only now</strong>.</p>
          <ol class="recovery-codes">{{#recoveryCodes}}<li><code>{{.}}</code></li>{{/recoveryCodes}}</ol>
          <p><a class="button primary" href="/operations">Done</a></p>
          {{/hasRecoveryCodes}}
          {{#pending}}
          <ol class="steps">
            <li>Open your authenticator app (FreeOTP, Aegis, Google or Microsoft Authenticator…) and add an account.</li>
            <li>Scan this code, or type the key below it.
              <figure class="qr">{{{qrCode}}}<figcaption>Key: <code class="secret">{{secret}}</code></figcaption></figure>
            </li>
            <li>Type the six digits the app shows.</li>
          </ol>
          <form method="post" action="/account/second-factor/confirm">
            <label for="code">Code from the app</label>
            <input id="code" name="code" autocomplete="off" inputmode="numeric" required maxlength="8" spellcheck="false">
            <button type="submit" class="primary">Turn the second factor on</button>
          </form>
          {{/pending}}
          {{#offerStart}}
          <p>With a second factor, your password alone no longer opens your account: signing in also takes the code your phone's authenticator app shows, new every 30 seconds.</p>
          <form method="post" action="/account/second-factor/start"><button type="submit" class="primary">Set up a second factor</button></form>
          {{/offerStart}}
        </section>
        """,
        "sessions": """
        <h1>Your sessions</h1>
        <p class="muted">Where your account is signed in. A session ends after {{idleMinutes}} minutes unused, and {{lifetimeHours}} hours after signing in at the latest. End any you do not recognise, then change your password.</p>
        <table class="stack">
          <thead><tr><th>Signed in (UTC)</th><th>Last used (UTC)</th><th>From</th><th>With</th><th><span class="visually-hidden">End</span></th></tr></thead>
          <tbody>
          {{#sessions}}
          <tr><td data-label="Signed in (UTC)">{{createdAt}}{{#current}} <strong>(this one)</strong>{{/current}}</td><td data-label="Last used (UTC)">{{lastSeenAt}}</td><td data-label="From">{{address}}</td><td data-label="With">{{client}}</td>
          <td data-label="End"><form method="post" action="/account/sessions/{{id}}/end"><button type="submit">{{#current}}Sign out{{/current}}{{^current}}End this session{{/current}}</button></form></td></tr>
          {{/sessions}}
          </tbody>
        </table>
        """,
        "operations": """
        <h1>Operations</h1>
        {{#canCreate}}<p><a class="button primary" href="/operations/new">New operation</a></p>{{/canCreate}}
        {{^hasOperations}}<p class="muted">Your agency takes part in no operation yet.</p>{{/hasOperations}}
        {{#hasOperations}}
        <table class="stack">
          <thead><tr><th>Code name</th><th>Lead agency</th><th>Your agency's role</th><th>Agencies</th><th>H-hour (UTC)</th></tr></thead>
          <tbody>
          {{#operations}}
          <tr><td data-label="Code name"><a href="{{path}}">{{codeName}}</a></td><td data-label="Lead agency">{{leadAgency}}</td><td data-label="Your agency's role">{{yourRole}}</td><td data-label="Agencies">{{participantCount}}</td><td data-label="H-hour (UTC)">{{hHourUTC}}{{#hasHHour}}<br><time class="local" datetime="{{hHourISO}}">{{hHourUTC}} UTC</time>{{/hasHHour}}</td></tr>
          {{/operations}}
          </tbody>
        </table>
        {{/hasOperations}}
        """,
        "operation": """
        <p><a href="/operations">← Operations</a> · <a href="/operations/{{operationId}}/board"><strong>Open the live board</strong></a>{{#showIntelligence}} · <a href="/operations/{{operationId}}/messages">Messages</a>{{/showIntelligence}} · <a href="/operations/{{operationId}}/log">Operation log</a> · <a href="/operations/{{operationId}}/exhibits">Exhibits</a> · <a href="/operations/{{operationId}}/sitreps">Sitreps</a> · <a href="/operations/{{operationId}}/day">Your agency's day</a></p>
        <h1>{{codeName}}</h1>
        {{#summary}}<p>{{summary}}</p>{{/summary}}
        <dl class="facts">
          <dt>Lead agency</dt><dd>{{leadAgency}}</dd>
          <dt>Your agency's role</dt><dd>{{yourRole}}</dd>
          <dt>H-hour</dt><dd>{{#hasHHour}}{{hHourUTC}} UTC · your time: <time class="local" datetime="{{hHourISO}}">{{hHourUTC}} UTC</time>{{/hasHHour}}{{^hasHHour}}not set{{/hasHHour}}</dd>
        </dl>

        {{#prepare}}{{> prepare}}{{/prepare}}

        <h2>Participants ({{participantCount}})</h2>
        <table class="stack">
          <thead><tr><th>Agency</th><th>Country</th><th>Role</th></tr></thead>
          <tbody>{{#participants}}<tr><td data-label="Agency">{{name}}</td><td data-label="Country">{{country}}</td><td data-label="Role">{{role}}</td></tr>{{/participants}}</tbody>
        </table>

        {{#showIntelligence}}
        <h2 id="targets">Targets ({{targetCount}})</h2>
        {{#canRecord}}<p><a class="button" href="/operations/{{operationId}}/targets/new">Record a target</a> <a class="button" href="/operations/{{operationId}}/targets/import">Import targets</a></p>{{/canRecord}}
        <p class="muted">The targets you may read, for partners' tools: <a href="/api/v1/operations/{{operationId}}/exports/stix" download>STIX 2.1 bundle</a> · <a href="/api/v1/operations/{{operationId}}/exports/misp" download>MISP event</a></p>
        <form class="filter inline" method="get" action="/operations/{{operationId}}#targets" role="search" aria-label="Filter the targets">
          <label>Kind <select name="kind"><option value="">All kinds</option>{{#targetKindOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/targetKindOptions}}</select></label>
          <label>Recorded by <select name="agency"><option value="">Any agency</option>{{#originatorOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/originatorOptions}}</select></label>
          <label class="grow">Name or selector contains <input type="search" name="q" value="{{targetQuery}}" maxlength="200"></label>
          <button type="submit">Filter</button>
        </form>
        <p class="muted" id="target-count">{{#filtered}}{{matchingCount}} of {{targetCount}} match{{/filtered}}{{^filtered}}{{targetCount}} in all{{/filtered}}{{#paged}} · {{from}}–{{to}} on this page{{#hasFirst}} · <a href="{{first}}">first page</a>{{/hasFirst}}{{#hasNext}} · <a href="{{next}}">next page</a>{{/hasNext}}{{/paged}}</p>
        <table class="targets stack">
          <thead><tr><th>Name</th><th>Kind</th><th>Selectors</th><th>Handling</th><th>Evaluation</th><th>Originator</th><th>Distribution</th><th></th></tr></thead>
          <tbody>
          {{#targets}}
          <tr data-kind="{{kind}}" data-agency="{{originator}}">
            <td data-label="Name">{{name}}{{#place}}<br><span class="muted">{{place}}</span>{{/place}}</td>
            <td data-label="Kind">{{kind}}</td>
            <td data-label="Selectors"><ul class="selectors">{{#selectors}}<li><span class="tag">{{kind}}</span> {{value}}</li>{{/selectors}}{{#moreSelectors}}<li class="muted">and {{moreSelectors}} more</li>{{/moreSelectors}}</ul></td>
            <td data-label="Handling"><span class="handling handling-{{handling}}" title="{{handlingMeaning}}">{{handling}}</span> <span class="muted">{{handlingMeaning}}</span>{{#restriction}}<br><strong>Restriction:</strong> {{restriction}}{{/restriction}}</td>
            <td data-label="Evaluation"><span class="evaluation" title="{{evaluationMeaning}}">{{evaluation}}</span></td>
            <td data-label="Originator">{{originator}}</td>
            <td data-label="Distribution">{{distribution}}</td>
            <td data-label="">{{#canModify}}<a href="/operations/{{operationId}}/targets/{{id}}/edit">Change</a> <button type="button" data-call="/api/v1/operations/{{operationId}}/targets/{{id}}" data-method="DELETE" data-confirm="Delete the target {{name}}? Its hits end with it." data-then="reload">Delete</button>{{/canModify}}</td>
          </tr>
          {{/targets}}
          </tbody>
        </table>
        {{/showIntelligence}}
        {{^showIntelligence}}<p class="notice">As an observer you follow the board; targets and intelligence are not shown.</p>{{/showIntelligence}}

        <h2 id="plan">Action plan ({{actionCount}})</h2>
        {{#canPlan}}<p><a class="button" href="/operations/{{operationId}}/actions/new">Plan an action</a></p>{{/canPlan}}
        <p id="calendar" data-operation="{{operationId}}">Your agency's actions in a calendar: <a href="/api/v1/operations/{{operationId}}/schedule.ics" download>download the schedule (.ics)</a> · <button type="button" id="calendar-subscribe">Subscribe in a calendar</button></p>
        <div id="calendar-address" class="card" hidden>
          <label for="calendar-url">Calendar address (your calendar polls it; keep it to yourself)</label>
          <input id="calendar-url" readonly>
          <p class="muted">Anyone with this address reads your agency's schedule of the operations you take part in. A new address ends this one; so does ending it here, disabling your account or resetting your password.</p>
          <button type="button" id="calendar-end">End the calendar address</button>
        </div>
        <script src="/static/calendar.js"></script>
        {{#planPaged}}<p class="muted" id="plan-pages">Actions {{from}}–{{to}} of {{actionCount}}, in time order{{#previous}} · <a href="{{previous}}">earlier actions</a>{{/previous}}{{#next}} · <a href="{{next}}">later actions</a>{{/next}} · <a href="/operations/{{operationId}}/day">one agency's or country's day</a></p>{{/planPaged}}
        {{> plan-table}}

        {{#showIntelligence}}
        <h2 id="instruments">Legal instruments ({{instrumentCount}})</h2>
        {{#canManageInstruments}}<p><a class="button" href="/operations/{{operationId}}/instruments/new">Record a legal instrument</a></p>{{/canManageInstruments}}
        <table class="stack">
          <thead><tr><th>Kind</th><th>Reference</th><th>Issuing authority</th><th>Executing country</th><th>Status</th><th></th></tr></thead>
          <tbody>{{#instruments}}<tr><td data-label="Kind">{{kind}}</td><td data-label="Reference">{{reference}}</td><td data-label="Issuing authority">{{authority}}</td><td data-label="Executing country">{{country}}</td><td data-label="Status">{{status}}</td><td data-label="">{{#canManage}}<a href="/operations/{{operationId}}/instruments/{{id}}/edit">Change</a>{{/canManage}}</td></tr>{{/instruments}}</tbody>
        </table>
        {{/showIntelligence}}
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/forms.js"></script>
        """,
        "board": """
        <div id="board" data-operation="{{operationId}}" data-since="{{since}}" data-agency="{{agencyId}}"
             data-lead="{{isLeadCoordinator}}" data-hhour="{{hHourISO}}">
          <p><a href="/operations/{{operationId}}">← {{codeName}}</a> · <a href="/operations/{{operationId}}/sitreps">Sitreps</a></p>
          <div id="abort-banner" class="hold-banner aborted" role="alert" hidden>ABORTED — the action day is over. <span id="abort-reason"></span></div>
          <div id="hold-banner" class="hold-banner" role="alert" hidden>ON HOLD: <span id="hold-reason"></span> No action may start there.</div>
          <div id="go-banner" class="go-banner" role="status" hidden></div>
          <header class="board-head">
            <h1>{{codeName}} — live board</h1>
            <div class="clock">
              <div><strong id="countdown">–</strong></div>
              <div class="muted">H-hour {{hHourUTC}} UTC · your time <time class="local" datetime="{{hHourISO}}">{{hHourUTC}}</time></div>
              <div class="muted">Now <span id="now-utc">–</span> UTC · <span id="connection" class="connection">connecting…</span></div>
              <div><span id="log-verified" class="muted">Log not checked yet</span></div>
            </div>
          </header>
          {{#isLeadCoordinator}}
          <section class="controls" aria-label="Action-day control">
            <button type="button" class="control go" data-command="go">GO</button>
            <button type="button" class="control hold" data-command="hold">HOLD</button>
            <button type="button" class="control resume" data-command="resume" hidden>RESUME</button>
            <button type="button" class="control abort" data-command="abort">ABORT</button>
          </section>
          <dialog id="control-dialog" aria-labelledby="control-title">
            <form class="form">
              <h2 id="control-title">Give a command</h2>
              <p class="explain muted"></p>
              <label>Scope <select name="country"></select></label>
              <label>Reason, shown to every team <input name="reason" maxlength="1000" autocomplete="off"></label>
              <p class="form-problem error" role="alert" hidden></p>
              <div class="buttons"><button type="submit" class="primary">Give</button> <button type="button" class="cancel">Cancel</button></div>
            </form>
          </dialog>
          {{/isLeadCoordinator}}
          <dialog id="outcome-dialog" aria-labelledby="outcome-title">
            <form class="form">
              <h2 id="outcome-title">Report the outcome</h2>
              <label>Outcome <select name="kind">{{#outcomeKinds}}<option value="{{value}}">{{label}}</option>{{/outcomeKinds}}</select></label>
              <label>How many <span class="muted">(persons, servers, items)</span> <input name="count" type="number" min="0" step="1"></label>
              <label>Notes <span class="muted">(optional)</span> <input name="description" maxlength="2000" autocomplete="off"></label>
              <fieldset class="seized-items">
                <legend>Items seized <span class="muted">(each is recorded as an exhibit of this action, evaluation A1, for every participant)</span></legend>
                <div id="seized-items"></div>
                <div class="inline">
                  <button type="button" id="add-seized">Add an item</button>
                  <label>Their handling <select name="itemsHandling"><option value="H0">H0</option><option value="H1">H1</option><option value="H2">H2</option></select></label>
                </div>
                <p class="muted">An item for named agencies only, or with SHA-1 or MD5 hashes: <a id="outcome-exhibits" href="/operations/{{operationId}}/exhibits/new">the exhibit form</a>.</p>
              </fieldset>
              <p class="form-problem error" role="alert" hidden></p>
              <div class="buttons"><button type="submit" class="primary">Report</button> <button type="button" class="cancel">Cancel</button></div>
            </form>
          </dialog>
          <section class="counters" aria-label="Counters">
            <div class="counter"><span id="count-arrests">0</span> arrests</div>
            <div class="counter"><span id="count-servers">0</span> servers down</div>
            <div class="counter"><span id="count-seizures">0</span> seizures</div>
            <div class="counter"><a href="/operations/{{operationId}}/exhibits"><span id="count-exhibits">0</span> exhibits</a> <span id="exhibit-kinds" class="muted"></span> · <span id="count-transit">0</span> in transit<span id="exhibit-mismatches" class="alarm" hidden> · <span id="count-mismatches">0</span> HASH MISMATCH</span></div>
            <div class="counter"><span id="count-done">0</span> done · <span id="count-running">0</span> in progress · <span id="count-failed">0</span> failed · <span id="count-overdue">0</span> overdue</div>
          </section>
          <p id="message" class="error" role="status" hidden></p>
          <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <div id="timeline"></div>
            <p class="legend muted"><span><i class="swatch-planned"></i>planned</span><span><i class="swatch-ready"></i>ready</span><span><i class="swatch-go"></i>GO or in progress</span><span><i class="swatch-done"></i>done</span><span><i class="swatch-failed"></i>failed</span><span><i class="swatch-aborted"></i>aborted</span> · the black line is H-hour, the dashed red one now</p>
          </section>
          <div class="board-grid">
            <section>
              <h2>Actions by country</h2>
              <div id="countries"></div>
            </section>
            <section>
              <h2>Live log</h2>
              <ol id="log" class="log" reversed></ol>
            </section>
          </div>
        </div>
        <script src="/static/board.js"></script>
        <script src="/static/log-witness.js"></script>
        """,
        "sitreps": """
        <p><a href="/operations/{{operationId}}">← {{codeName}}</a> · <a href="/operations/{{operationId}}/board">Live board</a></p>
        <h1>{{codeName}} — situation reports</h1>
        {{#canManage}}
        <form id="compile-sitrep" class="card" data-operation="{{operationId}}">
          <p>A new sitrep compiles the counters, the actions finished and the significant log entries since the previous approved sitrep, and the open problems. You edit it before approving it.</p>
          <button type="submit" class="primary">Compile a new sitrep</button>
        </form>
        {{/canManage}}
        {{^hasSitreps}}<p class="muted">No sitrep yet.</p>{{/hasSitreps}}
        {{#hasSitreps}}
        <table>
          <thead><tr><th>Sitrep</th><th>Status</th><th>Compiled (UTC)</th><th>Arrests</th><th>Servers down</th><th>Seizures</th></tr></thead>
          <tbody>
          {{#sitreps}}
          <tr><td><a href="/operations/{{operationId}}/sitreps/{{id}}">{{heading}}</a></td><td>{{status}}</td><td>{{compiledUTC}}<br><time class="local" datetime="{{compiledISO}}">{{compiledUTC}} UTC</time></td><td>{{arrests}}</td><td>{{servers}}</td><td>{{seizures}}</td></tr>
          {{/sitreps}}
          </tbody>
        </table>
        {{/hasSitreps}}
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/sitrep.js"></script>
        """,
        "sitrep": """
        <p><a href="/operations/{{operationId}}/sitreps">← {{codeName}} sitreps</a> · <a href="/operations/{{operationId}}/board">Live board</a></p>
        <p>Download: <a href="/api/v1/operations/{{operationId}}/sitreps/{{sitrepId}}/markdown">Markdown</a> · <a href="/api/v1/operations/{{operationId}}/sitreps/{{sitrepId}}/html">HTML</a></p>
        {{#editable}}
        <form id="edit-sitrep" class="card" data-operation="{{operationId}}" data-sitrep="{{sitrepId}}">
          <h2>Edit and approve</h2>
          <label for="summary">Summary</label>
          <textarea id="summary" name="summary" rows="6">{{summary}}</textarea>
          <label for="open-problems">Open problems, one per line</label>
          <textarea id="open-problems" name="openProblems" rows="8">{{openProblems}}</textarea>
          <div class="buttons">
            <button type="submit" name="status" value="draft">Save draft</button>
            <button type="submit" name="status" value="approved" class="primary">Approve and send to every participant</button>
            <button type="button" id="discard-sitrep">Discard draft</button>
          </div>
        </form>
        {{/editable}}
        <article class="sitrep card">
        {{{document}}}
        </article>
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/sitrep.js"></script>
        """,
        "hits": """
        <h1>Hits</h1>
        <p class="muted">Another operation holds a selector matching one your agency recorded. Contact the other agency before sharing more: Concert tells each side only who holds it and how it matches.</p>
        {{^hasHits}}<p class="muted">No hit for your agency.</p>{{/hasHits}}
        <p class="pages" id="hit-pages">{{#newest}}<a href="{{newest}}">← newest</a>{{/newest}}{{#older}}{{#newest}} · {{/newest}}<a href="{{older}}" rel="next">older hits →</a>{{/older}}</p>
        {{#hasHits}}
        <table class="stack">
          <thead><tr><th>Found (UTC)</th><th>Your selector</th><th>Match</th><th>Their selector</th><th>Contact</th><th>Reviewed</th></tr></thead>
          <tbody>
          {{#hits}}
          <tr>
            <td data-label="Found (UTC)">{{foundUTC}}<br><time class="local" datetime="{{foundISO}}">{{foundUTC}} UTC</time></td>
            <td data-label="Your selector">{{mineKind}} <code>{{mineValue}}</code><br><span class="muted">{{mineCodeName}}</span></td>
            <td data-label="Match">{{match}}</td>
            <td data-label="Their selector">{{otherKind}} {{#otherValue}}<code>{{otherValue}}</code>{{/otherValue}}{{^otherValue}}<span class="muted">held back: ask the agency</span>{{/otherValue}}{{#otherCodeName}}<br><span class="muted">{{otherCodeName}}</span>{{/otherCodeName}}</td>
            <td data-label="Contact">{{otherAgency}} ({{otherCountry}}){{#otherContact}}<br>{{otherContact}}{{/otherContact}}</td>
            <td data-label="Reviewed">{{#reviewed}}yes{{/reviewed}}{{^reviewed}}<button type="button" class="review-hit" data-hit="{{id}}">Mark reviewed</button>{{/reviewed}}</td>
          </tr>
          {{/hits}}
          </tbody>
        </table>
        {{/hasHits}}
        {{#hasChecks}}
        <h2>Checks of your selectors</h2>
        <p class="muted">Another agency checked, before sharing, identifiers that match these selectors of your agency. Concert told them only that your agency holds a match and how to reach you.</p>
        <table class="checks stack">
          <thead><tr><th>Checked (UTC)</th><th>By</th><th>Your selectors it matched</th></tr></thead>
          <tbody>
          {{#checks}}
          <tr>
            <td data-label="Checked (UTC)">{{checkedUTC}}<br><time class="local" datetime="{{checkedISO}}">{{checkedUTC}} UTC</time></td>
            <td data-label="By">{{agency}} ({{country}}){{#contact}}<br>{{contact}}{{/contact}}</td>
            <td data-label="Your selectors it matched">{{#selectors}}{{kind}} <code>{{value}}</code> <span class="muted">{{match}}</span><br>{{/selectors}}</td>
          </tr>
          {{/checks}}
          </tbody>
        </table>
        {{/hasChecks}}
        {{#hasCommon}}
        <h2>Common values</h2>
        <p class="muted">So many operations hold these values (public resolvers, large hosting providers) that they produce no hits one by one.</p>
        <table class="common stack">
          <thead><tr><th>Your selector</th><th>Operations holding it</th></tr></thead>
          <tbody>{{#common}}<tr><td data-label="Your selector">{{kind}} <code>{{value}}</code></td><td data-label="Operations holding it">{{holders}}</td></tr>{{/common}}</tbody>
        </table>
        {{/hasCommon}}
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/hits.js"></script>
        """,
        "messages": """
        <p><a href="/operations/{{operationId}}">← {{codeName}}</a> · <a href="/operations/{{operationId}}/messages/new"><strong>Write a message</strong></a></p>
        <h1>{{codeName}} messages</h1>
        <p class="counts"><a href="{{unreadLink}}" class="count-unread"{{#onlyUnread}} aria-current="page"{{/onlyUnread}}>{{unread}} unread</a> · <a href="{{unacknowledgedLink}}" class="count-unacknowledged"{{#onlyUnacknowledged}} aria-current="page"{{/onlyUnacknowledged}}>{{unacknowledged}} to acknowledge</a> · <span class="count-overdue">{{overdue}} of yours waiting too long for acknowledgements</span>{{#filtered}} · <a href="{{allLink}}">all messages</a>{{/filtered}}</p>
        <form method="get" action="/operations/{{operationId}}/messages" class="search">
          <label>Search subjects and bodies <input type="search" name="q" value="{{query}}" maxlength="500"></label>
          <button type="submit">Search</button>{{#searching}} <a href="/operations/{{operationId}}/messages">Show all</a>{{/searching}}
        </form>
        {{^hasMessages}}<p class="muted">{{#searching}}No message you can read matches.{{/searching}}{{^searching}}{{#filtered}}No message of this kind.{{/filtered}}{{^filtered}}No message yet.{{/filtered}}{{/searching}}</p>{{/hasMessages}}
        {{#hasMessages}}
        <table class="messages stack">
          <thead><tr><th>Subject</th><th>From</th><th>Sent (UTC)</th><th>Handling</th><th>Evaluation</th><th>Files</th><th>State</th></tr></thead>
          <tbody>
          {{#messages}}
          <tr class="{{#unread}}unread{{/unread}}">
            <td><a href="/operations/{{operationId}}/messages/{{id}}">{{#isReply}}↳ {{/isReply}}{{subject}}</a></td>
            <td data-label="From">{{from}}</td>
            <td data-label="Sent (UTC)">{{sentUTC}}<br><time class="local" datetime="{{sentISO}}">{{sentUTC}} UTC</time></td>
            <td data-label="Handling"><span class="handling handling-{{handling}}" title="{{handlingMeaning}}">{{handling}}</span>{{#notForJudicialUse}} <strong class="judicial">NOT FOR JUDICIAL USE</strong>{{/notForJudicialUse}}</td>
            <td data-label="Evaluation">{{evaluation}}</td>
            <td data-label="Files">{{attachments}}</td>
            <td>{{#unread}}<span class="tag">unread</span> {{/unread}}{{#toAcknowledge}}<span class="tag">to acknowledge</span> {{/toAcknowledge}}{{#overdue}}<span class="tag overdue">waiting for acknowledgements</span>{{/overdue}}</td>
          </tr>
          {{/messages}}
          </tbody>
        </table>
        {{/hasMessages}}
        <p class="pages" id="message-pages">{{#newest}}<a href="{{newest}}">← newest</a>{{/newest}}{{#older}}{{#newest}} · {{/newest}}<a href="{{older}}" rel="next">older messages →</a>{{/older}}</p>
        """,
        "message-compose": """
        <p><a href="/operations/{{operationId}}/messages">← {{codeName}} messages</a></p>
        <h1>{{#parentId}}{{#correcting}}Correct{{/correcting}}{{^correcting}}Answer{{/correcting}}: {{parentSubject}}{{/parentId}}{{^parentId}}Write a message{{/parentId}}</h1>
        <form id="compose" class="card" data-operation="{{operationId}}" data-parent="{{parentId}}" data-correcting="{{#correcting}}yes{{/correcting}}">
          <label>Subject <input name="subject" required maxlength="300" value="{{subject}}"></label>
          <label>Message (simple Markdown: **strong**, *emphasis*, `code`, lists with -, links)
            <textarea name="body" rows="10" required></textarea></label>
          <fieldset>
            <legend>Handling code (choose one; there is no default)</legend>
            <select name="handling" required>
              <option value="" selected disabled>Choose the handling code…</option>
              {{#handlings}}<option value="{{code}}">{{code}}: {{meaning}}</option>{{/handlings}}
            </select>
            <label>Restriction (required with H3) <input name="handlingRestriction" maxlength="2000"></label>
          </fieldset>
          <fieldset>
            <legend>Evaluation</legend>
            <label>Source <select name="source" required><option value="" selected disabled>Choose…</option>{{#sources}}<option value="{{.}}">{{.}}</option>{{/sources}}</select></label>
            <label>Information <select name="information" required><option value="" selected disabled>Choose…</option>{{#accuracies}}<option value="{{.}}">{{.}}</option>{{/accuracies}}</select></label>
          </fieldset>
          <fieldset>
            <legend>Distribution (choose one)</legend>
            {{#allowAll}}<label><input type="radio" name="distribution" value="all" required> All participants</label>{{/allowAll}}
            <label><input type="radio" name="distribution" value="named" required> Only these agencies:</label>
            <div class="recipients">{{#recipients}}<label><input type="checkbox" name="agency" value="{{id}}"> {{name}}</label>{{/recipients}}</div>
          </fieldset>
          <label>Files (each up to {{sizeLimitMiB}} MiB) <input type="file" name="file" multiple></label>
          <button type="submit">Send</button>
          <p id="message" class="error" role="status" hidden></p>
        </form>
        <script src="/static/messages.js"></script>
        """,
        "message-thread": """
        <p><a href="/operations/{{operationId}}/messages">← {{codeName}} messages</a></p>
        <h1>{{subject}}</h1>
        {{#items}}
        <article class="card message{{#isCurrent}} current{{/isCurrent}}" id="message-{{id}}">
          {{#notForJudicialUse}}<p class="judicial-banner"><strong>NOT FOR JUDICIAL USE</strong> without the originator's permission (H1).</p>{{/notForJudicialUse}}
          <h2>{{subject}}</h2>
          <dl class="facts">
            <dt>From</dt><dd>{{from}}</dd>
            <dt>Sent</dt><dd>{{sentUTC}} UTC · your time: <time class="local" datetime="{{sentISO}}">{{sentUTC}} UTC</time></dd>
            <dt>Handling</dt><dd><span class="handling handling-{{handling}}">{{handling}}</span> {{handlingMeaning}}{{#restriction}}<br><strong>Restriction:</strong> {{restriction}}{{/restriction}}</dd>
            <dt>Evaluation</dt><dd>{{evaluation}}</dd>
            <dt>To</dt><dd>{{distribution}}</dd>
          </dl>
          <div class="body">{{{bodyHtml}}}</div>
          {{#hasAttachments}}
          <h3>Files</h3>
          <ul class="attachments">
            {{#attachments}}<li><a href="/api/v1/operations/{{operationId}}/messages/{{messageId}}/attachments/{{id}}" download>{{fileName}}</a> · {{size}} · SHA-256 <code>{{sha256}}</code></li>{{/attachments}}
          </ul>
          {{/hasAttachments}}
          <p class="actions">
            {{#canAcknowledge}}<button type="button" class="acknowledge" data-message="{{id}}">Acknowledge receipt</button>{{/canAcknowledge}}
            {{#acknowledged}}<span class="tag">acknowledged by your agency</span>{{/acknowledged}}
            <a href="/operations/{{operationId}}/messages/new?replyTo={{id}}">Answer</a>
            {{#isOriginator}} · <a href="/operations/{{operationId}}/messages/new?corrects={{id}}">Correct</a> · <a href="/api/v1/operations/{{operationId}}/messages/{{id}}/markdown">Export (Markdown)</a>{{/isOriginator}}
            {{^isOriginator}} · <a href="/api/v1/operations/{{operationId}}/messages/{{id}}/markdown">Export (Markdown)</a>{{/isOriginator}}
          </p>
          {{#isOriginator}}
          <h3>Receipts{{#overdue}} <span class="tag overdue">waiting too long</span>{{/overdue}}</h3>
          <ul class="receipts">{{#receipts}}<li>{{agency}}: {{#acknowledged}}acknowledged{{/acknowledged}}{{^acknowledged}}<strong>not yet</strong>{{/acknowledged}}</li>{{/receipts}}</ul>
          {{#pendingForwards}}
          <p class="notice">{{askedBy}} asks to pass this message to {{agency}}{{#reason}}: “{{reason}}”{{/reason}}
            <button type="button" class="decide" data-message="{{messageId}}" data-forward="{{id}}" data-grant="true">Grant</button>
            <button type="button" class="decide" data-message="{{messageId}}" data-forward="{{id}}" data-grant="false">Refuse</button></p>
          {{/pendingForwards}}
          {{/isOriginator}}
          {{#forwards}}<p class="muted">Passed on to {{agency}}: {{status}}</p>{{/forwards}}
          {{#canForward}}
          <form class="forward" data-message="{{id}}">
            <label>Pass on to <select name="agencyId">{{#forwardTo}}<option value="{{id}}">{{name}}</option>{{/forwardTo}}</select></label>
            <label>Reason <input name="reason" maxlength="2000"></label>
            <button type="submit">{{#forwardNeedsPermission}}Ask the originator{{/forwardNeedsPermission}}{{^forwardNeedsPermission}}Pass on{{/forwardNeedsPermission}}</button>
          </form>
          {{/canForward}}
        </article>
        {{/items}}
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/messages.js" data-operation="{{operationId}}" id="messages-script"></script>
        """,
        "error": """
        <section class="card narrow">
          <h1>{{title}}</h1>
          <p>{{detail}}</p>
          <p><a href="/operations">Back to your operations</a></p>
        </section>
        """,
    ]
}
