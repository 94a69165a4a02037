import Dispatch
import Foundation
import NetLabApp
import NetLabTerminal

/// The process around the console loop: signals, the key source on stdin, the watchdog that
/// gives the terminal back if quitting hangs, and the exit. Runs on the main queue.
@MainActor
enum ConsoleShell {
    /// Seconds a quit may take on the main queue before the watchdog restores the terminal and exits.
    nonisolated static let quitGrace = 2.0

    /// Keeps the dispatch sources alive for the life of the process.
    private static var sources: [DispatchSourceProtocol] = []

    static func run(_ settings: ConsoleApp.Settings, mouse: Bool) throws -> Never {
        // Signals become events on the main queue instead of killing the process mid-draw.
        // SIGQUIT (Ctrl-\) too: its default action dumps core over the console's screen.
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGPIPE] { signal(number, SIG_IGN) }
        Signals.unblock([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH])
        Terminal.saveUserSettings()
        let terminal = Terminal(theme: settings.theme, mouse: mouse)
        let app = ConsoleApp(settings: settings, terminal: terminal) { Foundation.exit(0) }
        do {
            try app.start()
        } catch {
            throw CommandFailure(message: "\(error)", code: CommandFailure.other)
        }
        watchSignals(app)
        watchKeys(app)
        dispatchMain()
    }

    private static func watchKeys(_ app: ConsoleApp) {
        let source = DispatchSource.makeReadSource(fileDescriptor: 0, queue: .main)
        source.setEventHandler { @Sendable [weak app] in
            MainActor.assumeIsolated { app?.keysReady() }
        }
        source.resume()
        sources.append(source)
    }

    /// Signals are heard on a queue of their own, so a quit is noticed even while the main
    /// queue is busy. The quit itself runs on the main queue (curses lives there); if that
    /// does not finish within `quitGrace` seconds, the watchdog restores the terminal and
    /// exits anyway (the kernel closes the sockets).
    private static func watchSignals(_ app: ConsoleApp) {
        let queue = DispatchQueue(label: "netlab.signals")
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { @Sendable [weak app] in
                if number == SIGWINCH {
                    DispatchQueue.main.async { @Sendable in MainActor.assumeIsolated { app?.resized() } }
                    return
                }
                DispatchQueue.main.async { @Sendable in MainActor.assumeIsolated { app?.quit() } }
                queue.asyncAfter(deadline: .now() + quitGrace) { @Sendable in Terminal.restoreUserSettingsAndExit() }
            }
            source.resume()
            sources.append(source)
        }
    }
}
