/// The stylesheet and script of the web pages, served by the server itself (no outside network).
enum StaticAssets {
    static let stylesheet = """
        :root { --ink: #1d2430; --muted: #5b6575; --line: #d8dde5; --bg: #f6f7f9; --accent: #1f4f8f; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        header.top { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.5rem; background: #14233b; color: #fff; }
        header.top .brand { color: #fff; font-weight: 700; text-decoration: none; letter-spacing: .04em; }
        header.top .who { margin-left: auto; opacity: .9; }
        header.top form { margin: 0; }
        main { padding: 1rem 1.5rem 3rem; max-width: 1400px; }
        h1 { font-size: 1.6rem; margin: .6rem 0; } h2 { font-size: 1.2rem; margin-top: 2rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; position: sticky; top: 0; }
        .muted { color: var(--muted); font-size: .9em; }
        .tag { display: inline-block; padding: 0 .35rem; border: 1px solid var(--line); border-radius: 3px; font-size: .8em; color: var(--muted); }
        ul.selectors { margin: 0; padding: 0; list-style: none; font-family: ui-monospace, monospace; font-size: .85em; }
        .handling { font-weight: 700; padding: 0 .3rem; border-radius: 3px; border: 1px solid; }
        .handling-H0 { color: #245c2a; } .handling-H1 { color: #7a5200; } .handling-H2 { color: #8a1c1c; } .handling-H3 { color: #5a237a; }
        .status { font-weight: 600; padding: 0 .35rem; border-radius: 3px; border: 1px solid; }
        .status-done { color: #245c2a; } .status-failed, .status-aborted { color: #8a1c1c; } .status-inProgress, .status-go { color: #1f4f8f; }
        .offset { font-family: ui-monospace, monospace; white-space: nowrap; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl.facts dt { color: var(--muted); }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1.2rem 1.5rem; }
        .narrow { max-width: 26rem; margin: 3rem auto; }
        form label { display: block; margin-top: .8rem; font-weight: 600; }
        form input { width: 100%; padding: .45rem; font: inherit; border: 1px solid var(--line); border-radius: 4px; }
        button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
        button.primary { margin-top: 1rem; background: var(--accent); color: #fff; border-color: var(--accent); }
        .error { color: #8a1c1c; background: #fbeaea; padding: .5rem; border-radius: 4px; }
        .notice { background: #eef1f5; padding: .6rem; border-radius: 4px; }
        a { color: var(--accent); }
        """

    static let script = """
        // Shows times in the viewer's own time zone next to UTC.
        document.querySelectorAll("time.local").forEach(function (element) {
          var date = new Date(element.getAttribute("datetime"));
          if (!isNaN(date)) {
            element.textContent = date.toLocaleString(undefined, {
              weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
            });
          }
        });
        """
}
