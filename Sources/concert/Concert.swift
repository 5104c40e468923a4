import ArgumentParser

/// The `concert` command: runs the server and administers an installation.
@main
struct Concert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concert",
        abstract: "Concert: secure coordination of multinational takedown operations.",
        discussion: """
            Start with `concert demo` to see a ready operation in your browser, or `concert serve`
            for your own installation (a SQLite file in this folder unless --database says otherwise).
            """,
        subcommands: [
            Serve.self, Demo.self, UserCommand.self, AgencyCommand.self, AuditCommand.self, MigrateDataCommand.self,
            ImportCommand.self, ExportCommand.self,
        ]
    )
}
