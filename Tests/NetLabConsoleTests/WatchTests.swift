import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// Issue 22: which ports the wire shows is on screen, and `:watch` changes it, so a student's
/// programs on other ports appear.
@Suite struct WatchTests {
    @Test func watchParsesPortsAllAndReset() {
        #expect(ColonCommand.parse("watch") == .success(.watch(.show)))
        #expect(ColonCommand.parse("watch 12001 9000") == .success(.watch(.add([12001, 9000]))))
        #expect(ColonCommand.parse("watch all") == .success(.watch(.all)))
        #expect(ColonCommand.parse("watch reset") == .success(.watch(.reset)))
        #expect(ColonCommand.parse("watch 0") == .failure(CommandError("usage: :watch [PORT...|all|reset] (ports 1-65535)")))
        #expect(ColonCommand.parse("watch 70000") == .failure(CommandError("usage: :watch [PORT...|all|reset] (ports 1-65535)")))
    }

    @Test func theWatchedPortsAreSaidAndChanged() {
        var state = ConsoleState()
        state.apply([.wire(.on(interface: "lo"))])
        #expect(
            state.transcript.lines.items.last?.text
                == "WIRE watches ports \(state.watchedPorts.map(String.init).joined(separator: ", ")) and the ICMP errors for them "
                + "(:watch PORT adds one, :watch all every port)")
        #expect(state.watchedPorts.first == 12000 && Set(state.watchedPorts).count == state.watchedPorts.count)
        state.type(":watch 12001")
        state.apply([.key(.enter)])
        #expect(state.watchedPorts.contains(12001))
        #expect(state.transcript.lines.items.last?.text.contains("12001 and the ICMP errors for them") == true)
        state.type(":watch all")
        state.apply([.key(.enter)])
        #expect(state.watchingAll)
        #expect(
            state.transcript.lines.items.last?.text
                == "WIRE watches every TCP and UDP port on the loopback and the ICMP errors for them (:watch reset: only netlab's)")
        state.type(":watch reset")
        state.apply([.key(.enter)])
        #expect(!state.watchingAll && !state.watchedPorts.contains(12001))
    }
}
