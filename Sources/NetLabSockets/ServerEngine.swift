import NetLabCore

/// What the CLI and the console need from any of netlab's servers.
public protocol ServerEngine: AnyObject, Sendable {
    /// Binds (and listens); returns the bound address. Idempotent while running.
    @discardableResult
    func start(host: String?, port: UInt16) throws(SocketError) -> Endpoint
    /// Closes everything; returns once the sockets are closed. Idempotent.
    func stop()
}

extension TCPServer: ServerEngine {}
extension UDPServer: ServerEngine {}
