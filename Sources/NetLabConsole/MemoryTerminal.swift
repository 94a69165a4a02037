/// A terminal in memory: keys are typed into it, frames are kept. The console loop runs on
/// it exactly as on curses; tests await the frame they expect instead of sleeping.
@MainActor
public final class MemoryTerminal: TerminalBackend {
    public var width: Int
    public var height: Int
    /// Every frame drawn, oldest first.
    public private(set) var frames: [Screen] = []
    /// Control sequences written between frames.
    public private(set) var raw: [String] = []
    public private(set) var theme: Theme?
    public private(set) var isActive = false
    /// Between `suspend` and `resume` (`:shell`).
    public private(set) var suspended = false
    private var typed: [Key] = []
    private var waiters: [(id: Int, matches: (Screen) -> Bool, resume: (Screen?) -> Void)] = []
    private var nextWaiter = 0

    public init(width: Int = 80, height: Int = 24) {
        self.width = width
        self.height = height
    }

    /// Keys for the next `readKeys`.
    public func type(_ keys: [Key]) { typed += keys }

    /// Text typed as character keys.
    public func type(_ text: String) { typed += text.map { Key.character($0) } }

    /// The frame on screen now.
    public var screen: Screen? { frames.last }

    /// The first frame from now on (or the current one) that `matches`, or nil after
    /// `seconds` without one.
    public func frame(within seconds: Double = 10, where matches: @escaping (Screen) -> Bool) async -> Screen? {
        if let screen, matches(screen) { return screen }
        nextWaiter += 1
        let id = nextWaiter
        return await withCheckedContinuation { continuation in
            waiters.append((id, matches, { continuation.resume(returning: $0) }))
            Task { @MainActor [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                self?.resolve(id, with: nil)
            }
        }
    }

    private func resolve(_ id: Int, with screen: Screen?) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.resume(screen)
    }

    public func start() throws { isActive = true }
    public func stop() { isActive = false }
    public func size() -> (width: Int, height: Int) { (width, height) }
    public func resized() {}

    public func draw(_ screen: Screen) {
        frames.append(screen)
        for waiter in waiters where waiter.matches(screen) { resolve(waiter.id, with: screen) }
    }

    public func readKeys() -> [Key] {
        defer { typed.removeAll() }
        return typed
    }

    public func setTheme(_ theme: Theme) { self.theme = theme }
    public func writeRaw(_ text: String) { raw.append(text) }
    public func suspend() { suspended = true }
    public func resume() { suspended = false }
}
