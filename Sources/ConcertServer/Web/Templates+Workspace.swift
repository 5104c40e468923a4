extension Templates {
    /// The workspace's pages: the forms that prepare an operation (create it, invite, set
    /// H-hour, record targets, plan actions and instruments), the operation log, the check
    /// before sharing and the administration. Every form is sent to the API by `forms.js`.
    static let workspaceSources: [String: String] = [
        "plan-table": """
        {{{planTable}}}
        """,
        "day": """
        <p><a href="/operations">← Operations</a> · <a href="/operations/{{operationId}}">{{codeName}}: the whole operation</a> · <a href="/operations/{{operationId}}/board"><strong>Open the live board</strong></a></p>
        <h1>{{heading}}</h1>
        <form method="get" action="/operations/{{operationId}}/day" class="inline day-choice">
          <label>Show <select name="country">
            <option value="">Your agency's actions</option>
            {{#countries}}<option value="{{code}}"{{#selected}} selected{{/selected}}>Every action in {{code}}</option>{{/countries}}
          </select></label>
          <button type="submit">Show</button>
        </form>
        <dl class="facts">
          <dt>H-hour</dt><dd>{{#hasHHour}}{{hHourUTC}} UTC · your time: <time class="local" datetime="{{hHourISO}}">{{hHourUTC}} UTC</time>{{/hasHHour}}{{^hasHHour}}not set{{/hasHHour}}</dd>
        </dl>
        {{^hasActions}}<p class="muted">No action here.</p>{{/hasActions}}
        {{#hasActions}}{{> plan-table}}{{/hasActions}}
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/forms.js"></script>
        """,
        "form-problem": """
        <p class="form-problem error" role="alert" tabindex="-1" hidden></p>
        """,
        "operation-new": """
        <p><a href="/operations">← Operations</a></p>
        <h1>New operation</h1>
        <form class="card form" data-api="/api/v1/operations" data-then="/operations/{id}">
          <p class="muted">Your agency leads it. Invite the other agencies and set H-hour once it exists.</p>
          <label for="codeName">Code name</label>
          <input id="codeName" name="codeName" maxlength="100" autocomplete="off">
          <label for="summary">Summary <span class="muted">(optional)</span></label>
          <textarea id="summary" name="summary" rows="4" maxlength="5000" data-optional></textarea>
          {{> form-problem}}
          <button type="submit" class="primary">Create the operation</button>
        </form>
        <script src="/static/forms.js"></script>
        """,
        "zoned-time": """
        <fieldset data-type="zoned-time" data-name="{{name}}" data-field="{{name}}"{{#optional}} data-optional{{/optional}}>
          <legend>{{legend}}</legend>
          <div class="inline">
            <label>Date <input type="date" data-part="date" value="{{date}}"></label>
            <label>Time (24-hour) <input type="time" data-part="time" value="{{time}}"></label>
            <label>Time zone <select data-part="zone">{{#zones}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/zones}}</select></label>
          </div>
          <output class="utc" aria-live="polite"></output>
        </fieldset>
        """,
        "prepare": """
        <section class="card prepare" aria-labelledby="prepare-title">
          <h2 id="prepare-title">Prepare the operation</h2>
          <div class="forms">
            <form class="form" data-api="/api/v1/operations/{{operationId}}/participants" data-then="reload">
              <h3>Invite an agency</h3>
              <label for="invite-agency">Agency</label>
              <select id="invite-agency" name="agencyId">
                <option value="">Choose an agency…</option>
                {{#invitable}}<option value="{{id}}">{{name}} ({{country}})</option>{{/invitable}}
              </select>
              <label for="invite-role">Role</label>
              <select id="invite-role" name="role">
                <option value="participant">participant: sees the intelligence, acts on the day</option>
                <option value="observer">observer: follows the board only</option>
              </select>
              {{> form-problem}}
              <button type="submit">Invite</button>
            </form>
            <form class="form" data-api="/api/v1/operations/{{operationId}}/h-hour" data-method="PUT" data-then="reload">
              <h3>H-hour</h3>
              {{#hHourField}}{{> zoned-time}}{{/hHourField}}
              {{> form-problem}}
              <button type="submit">Set H-hour</button>
            </form>
          </div>
        </section>
        """,
        "selector-row": """
        <div class="row" data-kind-row>
          <label>Kind <select data-name="kind">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/kinds}}</select></label>
          <label>Value <input data-name="value" data-unless-kind="person" value="{{text}}" autocomplete="off"></label>
          <label>Name <input data-name="value.name" data-when-kind="person" value="{{personName}}" autocomplete="off"></label>
          <label>Date of birth <input type="date" data-name="value.dateOfBirth" data-when-kind="person" data-optional value="{{dateOfBirth}}"></label>
          <button type="button" data-remove-row>Remove</button>
        </div>
        """,
        "target-form": """
        <p><a href="/operations/{{operationId}}">← {{codeName}}</a></p>
        <h1>{{heading}}</h1>
        <form class="card form wide" data-api="{{apiPath}}" data-method="{{method}}" data-then="/operations/{{operationId}}#targets">
          <div class="inline">
            <label>Kind <select name="kind">{{#targetKinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/targetKinds}}</select></label>
            <label class="grow">Name <input name="name" maxlength="300" value="{{name}}" autocomplete="off"></label>
          </div>
          <fieldset data-field="selectors">
            <legend>Selectors: the identifiers that pin it down</legend>
            <div data-rows="selectors">{{#selectors}}{{> selector-row}}{{/selectors}}</div>
            <button type="button" data-add-row="selectors">Add a selector</button>
          </fieldset>
          <template id="selectors-row">{{#newSelector}}{{> selector-row}}{{/newSelector}}</template>
          <div class="inline">
            <label class="grow">Hosting provider <span class="muted">(optional)</span> <input name="hostingProvider" maxlength="300" value="{{hostingProvider}}" data-optional></label>
            <label>Country <span class="muted">(ISO code, optional)</span> <input name="country" maxlength="2" size="3" value="{{country}}" data-optional></label>
          </div>
          <label for="notes">Notes <span class="muted">(optional)</span></label>
          <textarea id="notes" name="notes" rows="3" maxlength="20000" data-optional>{{notes}}</textarea>
          {{> record-handling}}
          {{> form-problem}}
          <button type="submit" class="primary">{{submitLabel}}</button>
        </form>
        <script src="/static/forms.js"></script>
        """,
        "record-handling": """
        <fieldset>
          <legend>Handling</legend>
          <label>Handling code <select name="handling">
            <option value="">Choose the handling code…</option>
            {{#handlings}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{code}}: {{meaning}}</option>{{/handlings}}
          </select></label>
          <label>Restriction <span class="muted">(required with H3)</span> <input name="handlingRestriction" maxlength="2000" value="{{handlingRestriction}}" data-optional></label>
        </fieldset>
        <fieldset data-type="evaluation" data-name="evaluation" data-field="evaluation">
          <legend>Evaluation</legend>
          <div class="inline">
            <label>Source <select data-part="source"><option value="">Choose…</option>{{#sources}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sources}}</select></label>
            <label>Information <select data-part="information"><option value="">Choose…</option>{{#accuracies}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/accuracies}}</select></label>
          </div>
        </fieldset>
        <fieldset data-type="distribution" data-name="distribution" data-field="distribution">
          <legend>Distribution</legend>
          <fieldset class="plain">
            <legend>Who receives it</legend>
            <label><input type="radio" name="distribution-choice" value="all"{{#distributionAll}} checked{{/distributionAll}}> All participants</label>
            <label><input type="radio" name="distribution-choice" value="named"{{^distributionAll}} checked{{/distributionAll}}> Only these agencies:</label>
          </fieldset>
          <div class="recipients">{{#recipients}}<label><input type="checkbox" data-agency value="{{id}}"{{#selected}} checked{{/selected}}> {{name}} ({{country}})</label>{{/recipients}}</div>
        </fieldset>
        """,
        "action-form": """
        <p><a href="/operations/{{operationId}}">← {{codeName}}</a></p>
        <h1>{{heading}}</h1>
        <form class="card form wide" data-api="{{apiPath}}" data-method="{{method}}" data-then="/operations/{{operationId}}#plan">
          {{#redacted}}<p class="notice">This action concerns a target your agency may not read. Its target, title, place and gates stay as the executing agency knows them; you change its time, agency and instrument.</p>{{/redacted}}
          <div class="inline">
            <label>Kind <select name="kind">{{#actionKinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/actionKinds}}</select></label>
            <label class="grow">Title <input name="title" maxlength="300" value="{{title}}" autocomplete="off"{{#redacted}} readonly{{/redacted}}></label>
          </div>
          {{^redacted}}
          <label>Target <span class="muted">(optional)</span> <select name="targetId" data-optional>
            <option value="">No target</option>
            {{#targets}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/targets}}
          </select></label>
          {{/redacted}}
          <label>Executing agency <select name="executingAgencyId">
            <option value="">Choose the agency that acts…</option>
            {{#agencies}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}} ({{country}})</option>{{/agencies}}
          </select></label>
          <div class="inline">
            <label class="grow">Place <input name="place" maxlength="300" value="{{place}}"{{#redacted}} readonly{{/redacted}}></label>
            <label>Country <span class="muted">(ISO code)</span> <input name="country" maxlength="2" size="3" value="{{country}}"></label>
            <label>Time zone at the place <select name="timeZone">{{#zones}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/zones}}</select></label>
          </div>
          <div class="inline">
            <label>Minutes from H-hour <span class="muted">(H-2h is -120; H+30m is 30)</span> <input name="offsetMinutes" type="number" step="1" value="{{offsetMinutes}}" data-type="int"></label>
            <label>Expected duration in minutes <span class="muted">(optional)</span> <input name="expectedDurationMinutes" type="number" min="1" step="1" value="{{expectedDurationMinutes}}" data-type="int" data-optional></label>
          </div>
          <label>Legal instrument <span class="muted">(optional)</span> <select name="legalInstrumentId" data-optional>
            <option value="">None</option>
            {{#instruments}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/instruments}}
          </select></label>
          {{^redacted}}
          <label for="gates">Gates: what must hold before GO, one a line <span class="muted">(optional)</span></label>
          <textarea id="gates" name="gates" rows="3" data-type="lines" data-optional>{{gates}}</textarea>
          {{/redacted}}
          {{> form-problem}}
          <button type="submit" class="primary">{{submitLabel}}</button>
        </form>
        <script src="/static/forms.js"></script>
        """,
        "instrument-form": """
        <p><a href="/operations/{{operationId}}">← {{codeName}}</a></p>
        <h1>{{heading}}</h1>
        <form class="card form" data-api="{{apiPath}}" data-method="{{method}}" data-then="/operations/{{operationId}}#instruments">
          <label>Kind <select name="kind">{{#instrumentKinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/instrumentKinds}}</select></label>
          <label>Reference <input name="reference" maxlength="200" value="{{reference}}"></label>
          <label>Issuing authority <span class="muted">(optional)</span> <input name="issuingAuthority" maxlength="300" value="{{issuingAuthority}}" data-optional></label>
          <label>Executing country <span class="muted">(ISO code)</span> <input name="executingCountry" maxlength="2" size="3" value="{{executingCountry}}"></label>
          <label>Status <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/statuses}}</select></label>
          <label for="instrument-notes">Notes <span class="muted">(optional)</span></label>
          <textarea id="instrument-notes" name="notes" rows="3" maxlength="5000" data-optional>{{notes}}</textarea>
          {{> form-problem}}
          <button type="submit" class="primary">{{submitLabel}}</button>
        </form>
        <script src="/static/forms.js"></script>
        """,
        "log": """
        <p><a href="/operations/{{operationId}}">← {{codeName}}</a> · <a href="/operations/{{operationId}}/board">Live board</a></p>
        <h1>{{codeName}} — operation log</h1>
        {{#canPost}}
        <form class="card form" data-api="/api/v1/operations/{{operationId}}/log" data-then="reload">
          <label for="log-text">New entry</label>
          <textarea id="log-text" name="text" rows="3" maxlength="5000"></textarea>
          {{> form-problem}}
          <button type="submit" class="primary">Post to the log</button>
        </form>
        {{/canPost}}
        <p class="pages">Newest first · {{#significantOnly}}significant entries only · <a href="{{allLink}}">every entry</a>{{/significantOnly}}{{^significantOnly}}<a href="{{significantLink}}">significant entries only</a>{{/significantOnly}}</p>
        {{^hasEntries}}<p class="muted">{{#significantOnly}}No entry is marked significant.{{/significantOnly}}{{^significantOnly}}The log is empty.{{/significantOnly}}</p>{{/hasEntries}}
        {{#hasEntries}}
        <table class="stack log-entries">
          <thead><tr><th>Posted</th><th>By</th><th>Entry</th><th>Significant</th></tr></thead>
          <tbody>
          {{#entries}}
          <tr class="{{#significant}}significant{{/significant}}">
            <td data-label="Posted">{{postedUTC}} UTC<br><time class="local" datetime="{{postedISO}}">{{postedUTC}} UTC</time></td>
            <td data-label="By">{{agency}}</td>
            <td data-label="Entry">{{text}}</td>
            <td data-label="Significant">{{#significant}}<strong>significant</strong>{{/significant}}{{#canMark}} <button type="button" data-call="/api/v1/operations/{{operationId}}/log/{{id}}/significant" data-body='{"significant":{{^significant}}true{{/significant}}{{#significant}}false{{/significant}}}' data-then="reload">{{#significant}}Unmark{{/significant}}{{^significant}}Mark significant{{/significant}}</button>{{/canMark}}</td>
          </tr>
          {{/entries}}
          </tbody>
        </table>
        {{/hasEntries}}
        <p class="pages" id="log-pages">{{#newest}}<a href="{{newest}}">← newest</a>{{/newest}}{{#older}}{{#newest}} · {{/newest}}<a href="{{older}}" rel="next">older entries →</a>{{/older}}</p>
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/forms.js"></script>
        """,
        "import": """
        <p class="crumbs"><a href="/operations/{{operationId}}">{{codeName}}</a> › Import targets</p>
        <h1>Import targets into {{codeName}}</h1>
        <p class="muted">Choose a file of targets or paste its text: a STIX 2.1 bundle, a MISP event (or a feed's list of them), a table with a header row (CSV: comma, semicolon or tab separated), or Concert's JSON (<code>{"targets": [ … ]}</code>). Concert first shows what it would record — every target, what it would update, the identifiers it leaves out as too wide, and every error with its line and column or its object — and records nothing until you confirm. The import records every target or none. For Concert's JSON the preview is also a check before sharing: it counts against your checks and the holders are told.</p>
        <form id="import" class="card form" data-api="/api/v1/operations/{{operationId}}/targets/import" data-operation="/operations/{{operationId}}">
          <label>File <input type="file" name="file" accept=".json,.csv,.tsv,.txt,application/json,application/stix+json,text/csv"></label>
          <label>Or paste the file's text <textarea name="text" rows="6" spellcheck="false"></textarea></label>
          <fieldset>
            <legend>Where the file does not say (STIX, MISP, CSV)</legend>
            <label>Handling
              <select name="handling">
                <option value="H0">H0 — only to prevent and combat crime</option>
                <option value="H1">H1 — not in judicial proceedings without permission</option>
                <option value="H2" selected>H2 — not passed on without permission</option>
                <option value="H3">H3 — other restrictions (say which)</option>
              </select>
            </label>
            <label>Restriction, with H3 <input name="handlingRestriction" maxlength="2000"></label>
            <label>Evaluation <input name="evaluation" value="X4" size="3" maxlength="2" pattern="[ABCXabcx][1-4]" aria-describedby="evaluation-hint"></label>
            <p id="evaluation-hint" class="muted">A letter A, B, C or X for the source and a digit 1 to 4 for the information; X4 when neither can be judged.</p>
          </fieldset>
          {{> form-problem}}
          <button type="submit" class="primary">Preview</button>
        </form>
        <section id="import-preview" hidden aria-live="polite">
          <h2>Preview</h2>
          <p id="import-summary"></p>
          <table id="import-rows" class="stack results">
            <thead><tr><th>Row</th><th>Target</th><th>Selectors</th><th>Problem</th></tr></thead>
            <tbody></tbody>
          </table>
          <ul id="import-notes"></ul>
          <p><button type="button" id="import-confirm" class="primary" disabled>Record them</button></p>
        </section>
        <script src="/static/import.js"></script>
        """,
        "check": """
        <h1>Check before sharing</h1>
        <p class="muted">Paste identifiers, one a line: Concert tells you, for each, whether another agency holds a matching one and whom to contact. Nothing else of theirs is shown, each check is kept in your agency's audit trail, and the holders are told who checked.</p>
        <form id="check" class="card form">
          <label for="check-values">Identifiers, one a line</label>
          <textarea id="check-values" name="values" rows="8"></textarea>
          <label>Or a file of them, one a line <input type="file" name="file" accept=".txt,.csv,text/plain,text/csv"></label>
          <label for="check-kind">Kind</label>
          <select id="check-kind" name="kind">
            <option value="guess">Guess from each line (address, block, URL, e-mail, phone, wallet, domain)</option>
            {{#kinds}}<option value="{{.}}">all are: {{.}}</option>{{/kinds}}
          </select>
          {{> form-problem}}
          <button type="submit" class="primary">Check</button>
        </form>
        <table id="results" class="stack results" hidden>
          <thead><tr><th>Identifier</th><th>Kind</th><th>Result</th><th>Whom to contact</th></tr></thead>
          <tbody></tbody>
        </table>
        <script src="/static/check.js"></script>
        """,
        "admin": """
        <h1>Administration</h1>
        {{#platform}}
        <h2>Agencies ({{agencyCount}})</h2>
        <table class="stack">
          <thead><tr><th>Agency</th><th>Country</th><th>Kind</th><th>Contact</th><th>Accounts</th></tr></thead>
          <tbody>{{#agencies}}<tr><td data-label="Agency">{{name}}</td><td data-label="Country">{{country}}</td><td data-label="Kind">{{kind}}</td><td data-label="Contact">{{contact}}</td><td data-label="Accounts">{{accounts}}</td></tr>{{/agencies}}</tbody>
        </table>
        <div class="forms">
          <form class="card form" data-api="/api/v1/agencies" data-then="reload">
            <h3>Add an agency</h3>
            <label>Name <input name="name" maxlength="200"></label>
            <label>Country <span class="muted">(ISO code)</span> <input name="country" maxlength="2" size="3"></label>
            <label>Kind <select name="kind">{{#agencyKinds}}<option value="{{value}}">{{label}}</option>{{/agencyKinds}}</select></label>
            <label>Contact <span class="muted">(optional: whom other agencies call)</span> <input name="contact" maxlength="300" data-optional></label>
            {{> form-problem}}
            <button type="submit" class="primary">Add the agency</button>
          </form>
          <form class="card form" data-api="/api/v1/users" data-then="reload">
            <h3>Give an agency its first administrator</h3>
            <p class="muted">Only an agency with no account yet; its administrators then manage its accounts.</p>
            <label>Agency <select name="agencyId"><option value="">Choose…</option>{{#withoutAccounts}}<option value="{{id}}">{{name}} ({{country}})</option>{{/withoutAccounts}}</select></label>
            <input type="hidden" name="role" value="agencyAdmin">
            {{> account-fields}}
            {{> form-problem}}
            <button type="submit" class="primary">Create the administrator</button>
          </form>
        </div>
        {{/platform}}
        {{#agencyAdmin}}
        <h2>Accounts of {{agencyName}} ({{userCount}})</h2>
        <table class="stack">
          <thead><tr><th>Username</th><th>Name</th><th>Role</th><th>State</th><th></th></tr></thead>
          <tbody>
          {{#users}}
          <tr>
            <td data-label="Username">{{username}}</td><td data-label="Name">{{displayName}}</td><td data-label="Role">{{role}}</td>
            <td data-label="State">{{#disabled}}<strong>disabled</strong>{{/disabled}}{{^disabled}}active{{/disabled}}</td>
            <td data-label="">{{#canChange}}
              <button type="button" data-call="/api/v1/users/{{id}}" data-method="PATCH" data-body='{"disabled":{{^disabled}}true{{/disabled}}{{#disabled}}false{{/disabled}}}' data-then="reload">{{#disabled}}Enable{{/disabled}}{{^disabled}}Disable{{/disabled}}</button>
              <button type="button" data-call="/api/v1/users/{{id}}/sessions" data-method="DELETE" data-confirm="End every session of {{username}}?" data-then="reload">End sessions</button>
              <details class="reset">
                <summary>Reset password</summary>
                <form class="form" data-api="/api/v1/users/{{id}}/password" data-method="PUT" data-then="reload" data-confirm="Give {{username}} this new password and end every session of theirs?">
                  <label>New password for {{username}} <span class="muted">(at least 12 characters; tell them in person or by phone)</span> <input name="password" type="password" autocomplete="new-password"></label>
                  {{> form-problem}}
                  <button type="submit">Set the new password</button>
                </form>
              </details>
            {{/canChange}}</td>
          </tr>
          {{/users}}
          </tbody>
        </table>
        <form class="card form" data-api="/api/v1/users" data-then="reload">
          <h3>Add an account</h3>
          <input type="hidden" name="agencyId" value="{{agencyId}}">
          <label>Role <select name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select></label>
          {{> account-fields}}
          {{> form-problem}}
          <button type="submit" class="primary">Add the account</button>
        </form>
        {{/agencyAdmin}}
        <p id="message" class="error" role="status" hidden></p>
        <script src="/static/forms.js"></script>
        """,
        "account-fields": """
        <label>Username <span class="muted">(lower-case letters, digits, - _ .)</span> <input name="username" maxlength="64" autocomplete="off"></label>
        <label>Display name <input name="displayName" maxlength="200" autocomplete="off"></label>
        <label>Password <span class="muted">(at least 12 characters; not a common one)</span> <input name="password" type="password" autocomplete="new-password"></label>
        """,
    ]
}
