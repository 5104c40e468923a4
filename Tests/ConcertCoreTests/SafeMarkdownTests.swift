import ConcertCore
import Testing

@Suite("Message bodies rendered as safe HTML")
struct SafeMarkdownTests {
    @Test("simple Markdown becomes the expected tags")
    func simpleMarkup() {
        let html = SafeMarkdown.html(
            """
            ## Servers

            The **release** server moved to *Limassol*; see `10.0.0.7`.
            - first
            - second

            1. one
            2. two

            ```
            <raw> & code
            ```
            [the hoster](https://hoster.example/abuse?id=1&x=2)
            """)
        #expect(html.contains("<h4>Servers</h4>"))
        #expect(html.contains("<strong>release</strong>"))
        #expect(html.contains("<em>Limassol</em>"))
        #expect(html.contains("<code>10.0.0.7</code>"))
        #expect(html.contains("<ul><li>first</li><li>second</li></ul>"))
        #expect(html.contains("<ol><li>one</li><li>two</li></ol>"))
        #expect(html.contains("<pre><code>&lt;raw&gt; &amp; code</code></pre>"))
        #expect(
            html.contains(
                #"<a href="https://hoster.example/abuse?id=1&amp;x=2" rel="noopener noreferrer nofollow">the hoster</a>"#
            ))
    }

    @Test(
        "markup a sender writes is shown as text, and only web and mail links become links",
        arguments: [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](https://a.example\" onmouseover=\"alert(1))",
            "**<b>bold</b>**",
            "`<iframe>`",
            "<a href=\"https://ok.example\">raw link</a>",
        ])
    func nothingExecutes(_ text: String) {
        let html = SafeMarkdown.html(text)
        #expect(!html.contains("<script"), "\(html)")
        #expect(!html.contains("<img"), "\(html)")
        #expect(!html.contains("<iframe"), "\(html)")
        #expect(!html.contains("<b>"), "\(html)")
        #expect(!html.contains("href=\"javascript") && !html.contains("href=\"JaVaScRiPt"), "\(html)")
        #expect(!html.contains("href=\"data:"), "\(html)")
        #expect(!html.contains("onmouseover=\""), "\(html)")
        #expect(!html.contains("<a href=\"https://ok.example\">"), "\(html)")
    }
}
