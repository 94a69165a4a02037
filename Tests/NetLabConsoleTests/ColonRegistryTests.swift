import NetLabCore
import Testing

@testable import NetLabConsole

/// The registry is the one list of `:` commands: every row's names reach its parser, help comes
/// from the same rows, and a slip of the keyboard is answered with the command meant.
@Suite struct ColonRegistryTests {
    @Test func everyNameInTheRegistryParses() {
        for spec in ColonCommand.registry {
            for name in spec.names {
                if case .failure(let error) = ColonCommand.parse(name) {
                    #expect(!error.message.hasPrefix("unknown command"), ":\(name) is in the registry but not parsed")
                }
            }
        }
    }

    @Test func namesAreNotShared() {
        let names = ColonCommand.registry.flatMap(\.names)
        #expect(Set(names).count == names.count, "a name in two rows: \(names)")
    }

    /// The help's first column is as wide as the widest syntax: a long one squeezes every help
    /// text at 80 columns into a sliver (it happened: a 68-column `:fault` syntax).
    @Test func syntaxesStayNarrowEnoughForTheHelpAt80Columns() {
        for spec in ColonCommand.registry {
            #expect(spec.syntax.count <= 40, "\(spec.syntax) is \(spec.syntax.count) columns: put the detail in its help text")
        }
    }

    @Test func aliasesReachTheSameCommand() {
        #expect(ColonCommand.parse("q") == .success(.quit))
        #expect(ColonCommand.parse("exit") == .success(.quit))
        #expect(ColonCommand.parse("present on") == .success(.presenter(true)))
        #expect(ColonCommand.parse("sh") == .success(.shell))
        #expect(ColonCommand.parse("save! out.txt") == .success(.save("out.txt", replace: true)))
        #expect(ColonCommand.parse("SAVE out.txt") == .success(.save("out.txt", replace: false)))
    }

    @Test func helpForAnAliasShowsItsCommand() {
        #expect(ColonCommand.usage(for: "q").map(\.syntax) == [":quit"])
        #expect(ColonCommand.usage(for: "udp").map(\.syntax) == [":tcp on|off  :udp on|off  :http on|off"])
        #expect(ColonCommand.usage(for: "PORT").map(\.syntax) == [":port N"])
        #expect(ColonCommand.usage(for: "nope").isEmpty)
    }

    @Test func aSlipOfTheKeyboardNamesTheCommandMeant() {
        #expect(
            ColonCommand.parse("lisen tcp 12001") == .failure(CommandError("unknown command :lisen; did you mean :listen? (:help lists them all)")))
        #expect(ColonCommand.parse("tiemout 3") == .failure(CommandError("unknown command :tiemout; did you mean :timeout? (:help lists them all)")))
        #expect(ColonCommand.parse("thme") == .failure(CommandError("unknown command :thme; did you mean :theme? (:help lists them all)")))
        // Two names are one slip from `tco`-like words (tcp, udp...), or none is: the plain hint.
        #expect(ColonCommand.parse("bogus") == .failure(CommandError("unknown command :bogus; try :help for the list")))
    }

    @Test(arguments: [
        ("listen", "lisen", true), ("listen", "listne", true), ("listen", "listenn", true), ("listen", "listen", false),
        ("listen", "lstn", false), ("port", "prot", true), ("port", "pot", true), ("port", "tpor", false),
    ])
    func oneSlip(known: String, typed: String, expected: Bool) {
        #expect(EditDistance.isOneSlip(typed, known) == expected)
    }
}
