import Foundation
import NetLabConsole
import NetLabCore
import Testing

/// Issue 22: a refusal's remedy knows the console's state; F2 is offered only when netlab's
/// server is off (demo step 7 said "F2 turns netlab's TCP server on" while it was on).
@Suite struct RemedyTests {
    func refusedLine(serverOn: Bool, targetPort: UInt16) -> String? {
        var state = ConsoleState()
        if serverOn { state.apply([.event(event(.tcp, .server, .listening(server)))]) }
        if targetPort != 12000 {
            state.type(":port \(targetPort)")
            state.apply([.key(.enter)])
        }
        state.type("hello")
        state.apply([.key(.enter)], at: 1)
        let target = Endpoint(host: "127.0.0.1", port: targetPort)
        state.apply([.reply(engine: .tcp, result: .failure(.socket(.errno(.connect, ECONNREFUSED, endpoint: target))))], at: 1)
        return state.transcript.lines.items.last { $0.text.hasPrefix("Connection refused") }?.text
    }

    @Test func everyCombinationOfServerAndTarget() {
        let refused = "Connection refused (ECONNREFUSED): nothing is listening on 127.0.0.1:"
        #expect(
            refusedLine(serverOn: false, targetPort: 12000)
                == refused + "12000 (F2 turns netlab's TCP server on; :port changes the target)")
        #expect(
            refusedLine(serverOn: false, targetPort: 12001)
                == refused + "12001 (F2 turns netlab's TCP server on at port 12000; :port 12000 aims the client at it)")
        #expect(
            refusedLine(serverOn: true, targetPort: 12001)
                == refused + "12001 (:port 12000 aims the client at netlab's TCP server, which is on)")
        #expect(
            refusedLine(serverOn: true, targetPort: 12000)
                == refused + "12000 (:target 127.0.0.1 12000 aims the client at netlab's TCP server, which is on)")
    }
}
