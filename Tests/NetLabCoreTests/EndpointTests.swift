import NetLabCore
import Testing

@Suite struct EndpointTests {
    @Test func formats() {
        #expect(Endpoint(host: "127.0.0.1", port: 12000).description == "127.0.0.1:12000")
        #expect(Endpoint(host: "::1", port: 8080).description == "[::1]:8080")
    }

    @Test func showsMappedIPv4AsIPv4() {
        #expect(Endpoint(host: "::ffff:127.0.0.1", port: 5).description == "127.0.0.1:5")
        #expect(Endpoint(host: "::ffff:1", port: 5).description == "[::ffff:1]:5")
    }
}
