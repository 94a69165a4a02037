import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// Keys and `:` commands share one vocabulary: a key bound to a command's intent leaves the
/// state exactly as typing the command does, and every such command is one the registry knows
/// (so `:help` describes what the key does).
@Suite struct IntentTests {
    /// The keys bound to a command, and the line that types the same command.
    static let pairs: [(Key, String)] = [
        (.function(1), ":help"), (.function(7), ":presenter"), (.function(9), ":view"),
        (.control("r"), ":roster"), (.function(10), ":quit"),
    ]

    @Test func aKeyBoundToACommandDoesWhatTypingItDoes() {
        for (key, line) in Self.pairs {
            var byKey = ConsoleState()
            let keyEffects = byKey.apply([.key(key)], at: 1)
            var byLine = ConsoleState()
            byLine.type(line)
            let lineEffects = byLine.apply([.key(.enter)], at: 1)
            // The typed line leaves a history entry and a followed transcript; all else agrees.
            byLine.input = byKey.input
            byLine.transcript = byKey.transcript
            #expect(byKey == byLine, "\(key.label) and \(line)")
            #expect(keyEffects == lineEffects, "\(key.label) and \(line)")
        }
    }

    @Test func everyCommandAKeyRunsIsInTheRegistry() {
        let names = ColonCommand.usage.map(\.syntax)
        var commandKeys = 0
        for binding in KeyBinding.all {
            guard case .command(let command) = binding.intent else { continue }
            commandKeys += 1
            let typed = Self.pairs.first { $0.0 == binding.key }?.1
            #expect(typed != nil, "\(binding.key.label) runs \(command): pair it with its typed line above")
            if let typed {
                #expect(ColonCommand.parse(String(typed.dropFirst())) == .success(command))
                #expect(names.contains { $0.hasPrefix(typed) }, "\(typed) has a row in :help")
            }
        }
        #expect(commandKeys == Self.pairs.count)
    }
}
